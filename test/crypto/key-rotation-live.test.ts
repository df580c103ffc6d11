import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader, importX509, jwtVerify, type JWK } from 'jose';
import { createTestDatabase } from '../helpers/postgres.js';
import { freePort, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Live rotation of the document signer: running instances pick up a signer rotated by
 * `npm run keys -- rotate` without a restart, sign with it from then on, and keep publishing the
 * old one, so credentials it signed still verify. On SQLite against the running instance's
 * DATA_DIR; on PostgreSQL with two instances sharing the database.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

/** `aud`: the credential issuer identifier (PUBLIC_URL), also when the request goes to one instance's own address. */
async function issue(issuer: RunningIssuer, aud = issuer.baseUrl): Promise<string> {
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
  const token = await w.redeem(issuer, offer);
  const proof = await w.signProof(await w.newHolderKey(), { aud, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);
  return (res.body.credentials[0].credential as string).split('~')[0];
}

const signerCert = (jwt: string) => decodeProtectedHeader(jwt).x5c![0];
const jwksOf = async (url: string) => ((await (await fetch(`${url}/jwks`)).json()) as { keys: JWK[] }).keys;

/** The credential verifies with its x5c leaf, and that leaf is a key the issuer publishes. */
async function assertPublishedSigner(jwt: string, keys: JWK[]) {
  const cert = signerCert(jwt);
  assert.ok(keys.some((k) => k.x5c?.[0] === cert), 'the signer is in the JWKS');
  await jwtVerify(jwt, await importX509(`-----BEGIN CERTIFICATE-----\n${cert}\n-----END CERTIFICATE-----`, 'ES256'));
}

function rotate(env: Record<string, string>, dataDir: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/keys.ts', 'rotate', '--data-dir', dataDir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`npm run keys -- rotate exited ${code}: ${out}`))));
  });
}

/** Polls until the instance publishes `count` signer keys (bounded by attempts, not by a clock). */
async function untilPublished(url: string, count: number): Promise<JWK[]> {
  for (let i = 0; i < 300; i++) {
    const keys = await jwksOf(url);
    if (keys.length >= count) return keys;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never published ${count} keys`);
}

describe('live key rotation', () => {
  it('SQLite: the running instance signs with the signer npm run keys -- rotate made, and keeps publishing the old one', async () => {
    const issuer = await startIssuer({ env: { KEY_RELOAD_INTERVAL_SECONDS: '1' } });
    cleanups.push(async () => {
      await issuer.stop();
      issuer.cleanup();
    });
    const before = await issue(issuer);
    assert.equal((await jwksOf(issuer.baseUrl)).length, 1);

    await rotate({ DATA_DIR: issuer.dataDir }, issuer.dataDir);
    const keys = await untilPublished(issuer.baseUrl, 2);
    const afterRotation = await issue(issuer);
    assert.notEqual(signerCert(afterRotation), signerCert(before), 'a new signer signs');
    await assertPublishedSigner(afterRotation, keys);
    await assertPublishedSigner(before, keys);
    assert.equal(issuer.process.exitCode, null, 'no restart');
    assert.match(issuer.output(), /document signer \S+ in use \(rotated\)/);
  });

  it('PostgreSQL: both instances adopt a rotation published to the shared database, and sign with it', async () => {
    const db = await createTestDatabase('key-rotation');
    cleanups.push(() => db.drop());
    const portA = await freePort();
    const env = { DATABASE_URL: db.url, PUBLIC_URL: `http://localhost:${portA}`, PURGE_INTERVAL_SECONDS: '0', KEY_RELOAD_INTERVAL_SECONDS: '1' };
    const [a, b] = await Promise.all([startIssuer({ port: portA, env }), startIssuer({ env })]);
    cleanups.push(async () => {
      await a.stop();
      await b.stop();
      a.cleanup();
      b.cleanup();
    });
    const A = { ...a, baseUrl: a.localUrl };
    const B = { ...b, baseUrl: b.localUrl };
    const before = await issue(A, a.baseUrl);

    const cliDir = mkdtempSync(join(tmpdir(), 'issuance-lab-keys-cli-'));
    cleanups.push(() => rmSync(cliDir, { recursive: true, force: true }));
    await rotate(env, cliDir);
    const [keysA, keysB] = await Promise.all([untilPublished(A.baseUrl, 2), untilPublished(B.baseUrl, 2)]);
    assert.deepEqual(keysA, keysB, 'one JWKS on both instances');
    for (const instance of [A, B]) {
      const fresh = await issue(instance, a.baseUrl);
      assert.notEqual(signerCert(fresh), signerCert(before));
      await assertPublishedSigner(fresh, keysA);
    }
    await assertPublishedSigner(before, keysB);
  });
});

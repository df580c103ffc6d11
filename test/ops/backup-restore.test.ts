import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { getListFromStatusListJWT, getStatusListFromJWT } from '@sd-jwt/jwt-status-list';
import Sqlite from 'better-sqlite3';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * npm run backup takes a consistent copy of the SQLite database while the issuer serves; the
 * documented restore (the copy as DATA_DIR/issuance-lab.sqlite, with the deployment's keys)
 * brings back the issued credentials and the status lists as they were.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((fn) => fn()));

async function issue(issuer: RunningIssuer) {
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
  const token = await w.redeem(issuer, offer);
  const proof = await w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);
  const credential = res.body.credentials[0].credential as string;
  const credentialId = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/credentials`)).body.credentials[0].credential_id as string;
  return { sessionId: offer.session_id, credential, credentialId, status: getStatusListFromJWT(credential.split('~')[0]) };
}

async function statusOf(uri: string, idx: number): Promise<number> {
  const res = await fetch(uri);
  assert.equal(res.status, 200);
  return getListFromStatusListJWT(await res.text()).getStatus(idx);
}

function runBackup(dataDir: string, file: string, env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', file, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('backup and restore (SQLite)', () => {
  it('backs up online while the issuer serves; the restored copy has the issued credentials and the status lists intact', async () => {
    let issuer = await startIssuer();
    cleanups.push(() => issuer.cleanup());
    const revoked = await issue(issuer);
    const valid = await issue(issuer);
    assert.equal((await admin(issuer, 'POST', `/credentials/${revoked.credentialId}/status`, { status: 'revoked' })).status, 200);
    const jwks = await (await fetch(`${issuer.baseUrl}/jwks`)).json();

    // Wallets keep coming while the backup runs: the copy is one committed state regardless.
    let serving = true;
    const load = (async () => {
      let n = 0;
      while (serving) {
        await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
        n++;
      }
      return n;
    })();
    const backupDir = mkdtempSync(join(tmpdir(), 'issuance-lab-backup-'));
    cleanups.push(() => rmSync(backupDir, { recursive: true, force: true }));
    const file = join(backupDir, 'issuer.sqlite');
    const backup = await runBackup(issuer.dataDir, file);
    serving = false;
    const offersDuring = await load;
    assert.equal(backup.code, 0, backup.out);
    assert.match(backup.out, /integrity ok/);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(offersDuring >= 1, 'the issuer served during the backup');
    const copy = new Sqlite(file, { readonly: true });
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    copy.close();

    // After the backup: a change the restore must not have.
    assert.equal((await admin(issuer, 'POST', `/credentials/${valid.credentialId}/status`, { status: 'suspended' })).status, 200);
    const port = Number(new URL(issuer.baseUrl).port);
    await issuer.stop();

    // Restore as documented: a fresh DATA_DIR with the deployment's keys and the copy as its database.
    const restored = mkdtempSync(join(tmpdir(), 'issuance-lab-restored-'));
    cleanups.push(() => rmSync(restored, { recursive: true, force: true }));
    cpSync(join(issuer.dataDir, 'keys'), join(restored, 'keys'), { recursive: true });
    cpSync(file, join(restored, 'issuance-lab.sqlite'));
    issuer = await startIssuer({ port, dataDir: restored });
    cleanups.push(() => void issuer.stop());

    for (const c of [revoked, valid]) {
      const listed = (await admin(issuer, 'GET', `/sessions/${c.sessionId}/credentials`)).body.credentials;
      assert.deepEqual(listed.map((x: any) => x.credential_id), [c.credentialId], 'issued-credential record restored');
      // Same keys: the credential still verifies against the restored issuer's JWKS.
      await jwtVerify(c.credential.split('~')[0], createLocalJWKSet(await (await fetch(`${issuer.baseUrl}/jwks`)).json()), { typ: 'dc+sd-jwt' });
    }
    assert.deepEqual(await (await fetch(`${issuer.baseUrl}/jwks`)).json(), jwks);
    assert.equal(await statusOf(revoked.status.uri, revoked.status.idx), 1, 'revoked before the backup: revoked');
    assert.equal(await statusOf(valid.status.uri, valid.status.idx), 0, 'suspended only after the backup: valid');
    // The restored issuer goes on issuing, on the restored status lists.
    const next = await issue(issuer);
    assert.equal(await statusOf(next.status.uri, next.status.idx), 0);
    await issuer.stop();
  });

  it('refuses PostgreSQL (pg_dump is the tool there) and a missing database, with exit code and reason', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'issuance-lab-nodb-'));
    cleanups.push(() => rmSync(empty, { recursive: true, force: true }));
    const missing = await runBackup(empty, join(empty, 'x.sqlite'));
    assert.equal(missing.code, 1);
    assert.match(missing.out, /No database/);
    const postgres = await runBackup(empty, join(empty, 'x.sqlite'), { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(postgres.code, 2);
    assert.match(postgres.out, /pg_dump/);
  });
});

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The reference wallet CLI as a user runs it (a child process), against a real issuer process:
 * every shipped configuration, pre-authorized with and without tx_code, by reference and by value.
 */
const SHIPPED = [
  ['eu.europa.ec.eudi.pid_mdoc', 'mso_mdoc'],
  ['eu.europa.ec.eudi.pid_mso_mdoc', 'mso_mdoc'],
  ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'dc+sd-jwt'],
  ['org.iso.18013.5.1.mDL', 'mso_mdoc'],
  ['org.example.employee_jwt_vc', 'jwt_vc_json'],
] as const;

let issuer: RunningIssuer;
const stores: string[] = [];

interface Run { code: number | null; stdout: string; stderr: string; store: string }

function runWallet(args: string[], opts: { store?: string } = {}): Promise<Run> {
  const store = opts.store ?? mkdtempSync(join(tmpdir(), 'wallet-store-'));
  stores.push(store);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', ...args, '--insecure', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr, store }));
  });
}

async function offer(body: Record<string, unknown>) {
  const res = await admin(issuer, 'POST', '/credential_offers', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { session_id: string; offer_url: string; tx_code?: string; credential_offer: any };
}

const files = (dir: string) => readdirSync(dir).map((f) => join(dir, f));
const mode = (file: string) => statSync(file).mode & 0o777;

before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  for (const s of stores) rmSync(s, { recursive: true, force: true });
});

describe('reference wallet CLI (npm run wallet) against this issuer', () => {
  for (const [id, format] of SHIPPED) {
    it(`${id}: pre-authorized, by reference, --json: credential stored (0600), bound to the stored key, decoded`, async () => {
      const o = await offer({ credential_configuration_ids: [id] });
      const run = await runWallet([o.offer_url, '--json']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.ok, true);
      assert.equal(summary.detected_version, 'V1');
      assert.equal(summary.grant_type, 'pre-authorized_code');
      assert.equal(summary.credentials.length, 1);
      const [received] = summary.credentials;
      assert.equal(received.credential_configuration_id, id);
      assert.equal(received.format, format);
      assert.deepEqual(received.view.problems, []);
      assert.equal(received.view.bound_to_wallet_key, true);

      const stored = JSON.parse(readFileSync(received.file, 'utf8'));
      assert.equal(stored.credential_issuer, issuer.baseUrl);
      assert.equal(stored.format, format);
      assert.equal(typeof stored.credential, 'string');
      assert.equal(mode(received.file), 0o600);
      const privateJwk = JSON.parse(readFileSync(received.key_file, 'utf8')) as JWK;
      assert.equal(mode(received.key_file), 0o600);
      assert.equal(mode(join(run.store, 'keys')), 0o700);
      assert.ok(privateJwk.d, 'the private key is kept');
      const thumbprint = await calculateJwkThumbprint({ kty: privateJwk.kty!, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y });
      assert.equal(received.view.bound_key, thumbprint);
      assert.equal(stored.key_id, thumbprint);

      if (format === 'dc+sd-jwt') {
        assert.equal(received.view.claims.family_name, 'Mustermann');
        assert.ok(received.view.disclosures.every((d: any) => d.referenced));
      } else if (format === 'mso_mdoc') {
        assert.equal(received.view.issuer_signature_valid, true);
        assert.ok(Object.keys(received.view.namespaces).length >= 1);
        assert.ok(received.view.validity.from && received.view.validity.until);
        assert.equal(received.view.certificate_chain.length >= 1, true);
      } else {
        assert.ok(received.view.payload.vc.credentialSubject);
      }
      const session = await admin(issuer, 'GET', `/sessions/${o.session_id}`);
      assert.equal(session.body.state, 'credential_issued');
    });
  }

  it('tx_code: --tx-code completes the flow; without it and without a TTY the wallet stops before the token request', async () => {
    const o = await offer({ credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { pre_authorized_code: { tx_code: { length: 6, input_mode: 'numeric' } } } });
    const missing = await runWallet([o.offer_url]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /asks for a transaction code: pass --tx-code/);
    assert.doesNotMatch(missing.stdout, /POST .*\/token/);
    const run = await runWallet([o.offer_url, '--tx-code', o.tx_code!]);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /==> 1\. Credential offer resolved/);
    assert.match(run.stdout, /POST http:\/\/localhost:\d+\/token -> 200/);
    assert.match(run.stdout, /Credential received: eu\.europa\.ec\.eudi\.pid_vc_sd_jwt/);
    assert.match(run.stdout, /Done: 1 credential\(s\) stored/);
    assert.ok(!run.stdout.includes(o.tx_code!), 'the tx_code is not printed');
    assert.equal(files(join(run.store, 'credentials')).length, 1);
  });

  it('a wrong tx_code: the issuer refusal is printed and the exit code is 1', async () => {
    const o = await offer({ credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { pre_authorized_code: { tx_code: true } } });
    const wrong = o.tx_code === '000000' ? '111111' : '000000';
    const run = await runWallet([o.offer_url, '--tx-code', wrong]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /invalid_grant/);
  });

  it('an offer by value, proofs naming the key as did:key: the credential is bound to that key', async () => {
    const o = await offer({ credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], by_reference: false });
    assert.match(o.offer_url, /credential_offer=/);
    const run = await runWallet([o.offer_url, '--json', '--proof-key', 'did:key']);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    const summary = JSON.parse(run.stdout);
    assert.equal(summary.credentials[0].view.bound_to_wallet_key, true);
    const session = await admin(issuer, 'GET', `/sessions/${o.session_id}`);
    assert.equal(session.body.issued_credentials[0].key_source, 'did:key:p256');
  });

  it('usage errors exit 2, an http issuer without --insecure is refused', async () => {
    const usage = await new Promise<number | null>((resolve) => spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts'], { stdio: 'ignore' }).on('exit', resolve));
    assert.equal(usage, 2);
    const o = await offer({ credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
    const store = mkdtempSync(join(tmpdir(), 'wallet-store-'));
    stores.push(store);
    const refused = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', o.offer_url, '--store', store], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /https/i);
  });
});

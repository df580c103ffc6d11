import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The reference wallet's authorization code flow (PAR, PKCE S256, DPoP, loopback redirect)
 * against this issuer. The test plays the user's browser: it takes the URL the wallet prints,
 * loads the consent page with plain HTTP, submits the form and follows the redirect to the
 * wallet's loopback listener.
 */
let issuer: RunningIssuer;
const stores: string[] = [];

before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  for (const s of stores) rmSync(s, { recursive: true, force: true });
});

const attr = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The user's browser: open the authorization URL, consent with the pre-selected persona. */
async function consent(authorizationUrl: string): Promise<void> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  assert.equal(page.status, 200, await page.clone().text());
  const html = await page.text();
  const form = /<form[^>]*method="post"[^>]*>/.exec(html)![0];
  const body = new URLSearchParams();
  for (const input of html.match(/<input[^>]*>/g) ?? []) {
    const type = attr(input, 'type');
    const name = attr(input, 'name');
    if (!name) continue;
    if (type === 'hidden' || (type === 'radio' && / checked/.test(input))) body.append(name, unescape(attr(input, 'value') ?? ''));
  }
  for (const m of html.matchAll(/<textarea[^>]*name="([^"]*)"[^>]*>([\s\S]*?)<\/textarea>/g)) body.append(unescape(m[1]), unescape(m[2]));
  body.append('decision', 'allow');
  const action = new URL(unescape(attr(form, 'action')!), authorizationUrl);
  const res = await fetch(action, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
  assert.ok(res.status === 302 || res.status === 303, `consent answered ${res.status}: ${await res.text()}`);
  const location = res.headers.get('location')!;
  assert.match(location, /^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
  assert.equal((await fetch(location)).status, 200);
}

function runWallet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const store = mkdtempSync(join(tmpdir(), 'wallet-store-'));
  stores.push(store);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', ...args, '--insecure', '--json', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let consenting: Promise<void> | undefined;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      const url = /AUTHORIZATION_URL (\S+)/.exec(stderr)?.[1];
      if (url && !consenting) consenting = consent(url).catch((e) => { child.kill(); reject(e); });
    });
    child.on('exit', async (code) => {
      await consenting;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('reference wallet CLI: authorization code flow against this issuer', () => {
  for (const id of ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc', 'org.iso.18013.5.1.mDL', 'org.example.employee_jwt_vc', 'eu.europa.ec.eudi.pid_mso_mdoc']) {
    it(`${id}: PAR + PKCE + DPoP, consent in the "browser", credential bound to the wallet key`, async () => {
      const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [id], grants: { authorization_code: true } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const run = await runWallet([created.body.offer_url, '--flow', 'authorization_code']);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.grant_type, 'authorization_code');
      const as = (await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, any>;
      assert.equal(summary.dpop, (as.dpop_signing_alg_values_supported ?? []).includes('ES256'));
      assert.equal(summary.token_type, summary.dpop ? 'DPoP' : 'Bearer');
      const prepared = summary.steps.find((s: any) => s.title === 'Authorization request prepared').details;
      assert.equal(prepared.pkce, 'S256');
      assert.equal(prepared.pushed, typeof as.pushed_authorization_request_endpoint === 'string');
      assert.equal(summary.credentials.length, 1);
      assert.equal(summary.credentials[0].view.bound_to_wallet_key, true);
      assert.deepEqual(summary.credentials[0].view.problems, []);
      const session = await admin(issuer, 'GET', `/sessions/${created.body.session_id}`);
      assert.equal(session.body.state, 'credential_issued');
      assert.equal(session.body.grant_type, 'authorization_code');
    });
  }
});

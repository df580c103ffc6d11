import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { REFERENCE_WALLET_USER_AGENT } from '../../src/wallet/client.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Interoperability parts of the dashboard, over HTTP as a signed-in user: fault switches in the offer form
 * and on the session page, issued credentials with their self-check, the "run the reference
 * wallet on this offer" button, the wallet compatibility matrix, and the inspector link.
 */

let issuer: RunningIssuer;
let cookie: string;
before(async () => {
  issuer = await startIssuer();
  const r = await fetch(`${issuer.baseUrl}/ui/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: issuer.adminToken }).toString(),
    redirect: 'manual',
  });
  cookie = r.headers.get('set-cookie')!.split(';')[0];
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

async function page(path: string): Promise<string> {
  const r = await fetch(`${issuer.baseUrl}${path}`, { headers: { cookie } });
  assert.equal(r.status, 200, path);
  return r.text();
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1];

async function post(path: string, form: Record<string, string | string[]>, csrfFrom: string) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
  body.append('csrf', csrfOf(await page(csrfFrom)));
  return fetch(`${issuer.baseUrl}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString(), redirect: 'manual' });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('dashboard: fault switches, self-check, reference wallet, compatibility matrix', () => {
  it('the offer form sets fault switches; the session page lists them, and strict mode', async () => {
    const form = await page('/ui/offers/new');
    assert.match(form, /data-testid="fault-switches"/);
    assert.match(form, /METADATA_WELL_KNOWN/);
    const res = await post(
      '/ui/offers',
      { credential_configuration_ids: 'eu.europa.ec.eudi.pid_vc_sd_jwt', grant: 'pre_authorized_code', by_reference: 'on', tx_code: 'on', tx_code_length: '6', tx_code_input_mode: 'numeric', claims: '', strict: 'on', reject_first_nonce: 'on', single_fetch: 'on', tx_code_failure: 'reject_first', expires_in: '600' },
      '/ui/offers/new',
    );
    assert.equal(res.status, 201, await res.clone().text());
    const sessionId = /data-testid="session-link">(ses_[^<]+)</.exec(await res.text())![1];
    const session = await page(`/ui/sessions/${sessionId}`);
    const listed = [...session.matchAll(/data-fault="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(listed, ['strict', 'reject_first_nonce', 'tx_code_failure', 'single_fetch', 'expires_in']);
    assert.match(session, /name="keep_faults"/, 'the reference wallet may take the switches along');
  });

  it('shows each issued credential with its self-check', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: ['org.iso.18013.5.1.mDL'] });
    const token = await w.redeem(issuer, offer);
    const key = await w.newHolderKey();
    const res = await w.credentialRequest(issuer, token, { credential_configuration_id: 'org.iso.18013.5.1.mDL', proofs: { jwt: [await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) })] } });
    assert.equal(res.status, 200);
    const html = await until('the self-check', async () => {
      const text = await page(`/ui/sessions/${offer.session_id}`);
      return /data-testid="self-check" data-status="pass"/.test(text) ? text : undefined;
    });
    assert.match(html, /data-testid="issued-credential"/);
    assert.match(html, /self_check\.binding_key/);
    assert.match(html, /credential\.digests/);
  });

  it('runs the reference wallet on a twin of the offer and links to its session, which completes', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { pre_authorized_code: { tx_code: true } } });
    const res = await post(`/ui/sessions/${offer.session_id}/reference-wallet`, {}, `/ui/sessions/${offer.session_id}`);
    assert.equal(res.status, 303);
    const twinPath = res.headers.get('location')!;
    const twinId = /\/ui\/sessions\/(ses_[A-Za-z0-9_-]+)$/.exec(twinPath)![1];
    assert.notEqual(twinId, offer.session_id);
    const done = await until('the reference wallet', async () => {
      const logs = (await admin(issuer, 'GET', `/sessions/${twinId}/logs?limit=500`)).body.logs as any[];
      return logs.find((l) => l.endpoint === 'reference_wallet' && /^Reference wallet (completed|failed)/.test(l.message));
    });
    assert.equal(done.level, 'info', JSON.stringify(done.data));
    assert.deepEqual(done.data.credentials.map((c: any) => [c.credential_configuration_id, c.bound_to_wallet_key]), [['eu.europa.ec.eudi.pid_vc_sd_jwt', true]]);
    const twin = (await admin(issuer, 'GET', `/sessions/${twinId}`)).body;
    assert.equal(twin.state, 'credential_issued');
    assert.deepEqual(twin.options.tx_code, (await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body.options.tx_code, 'the twin asks for a tx_code like the original');
    assert.ok(twin.logs.some((l: any) => l.endpoint === 'token' && l.data?.status === 200), 'the tx_code reached the wallet (over stdin)');
    const token = twin.logs.find((l: any) => l.endpoint === 'token' && l.data?.headers);
    assert.equal(token.data.headers['user-agent'], REFERENCE_WALLET_USER_AGENT);
    const original = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs`)).body.logs as any[];
    assert.ok(original.some((l) => l.endpoint === 'reference_wallet' && l.data?.twin_session_id === twinId), 'the original session links to the twin');
    assert.equal((await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body.state, 'offer_created', 'the original offer is untouched');

    // The matrix lists the reference wallet as a 1.0 wallet that passed every step it took.
    const matrix = (await admin(issuer, 'GET', '/compatibility')).body;
    const row = matrix.rows.find((r: any) => r.wallet === REFERENCE_WALLET_USER_AGENT);
    assert.equal(row.draft, '1.0');
    assert.ok(row.issued >= 1);
    for (const step of ['credential_offer', 'token', 'nonce', 'credential']) assert.ok(row.steps[step].passed >= 1 && row.steps[step].failed === 0, step);
    const html = await page('/ui/compatibility');
    assert.match(html, new RegExp(`data-wallet="${REFERENCE_WALLET_USER_AGENT.replace(/[()./]/g, '\\$&')}" data-draft="1.0"`));
  });

  it('the matrix separates wallets by User-Agent and draft, with failure codes per step', async () => {
    const agent = 'ExampleWallet/2.3 (draft-15 test)';
    const offer = await w.createOffer(issuer);
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) };
    const token = await fetch(`${issuer.baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': agent }, body: new URLSearchParams(form).toString() });
    const accessToken = ((await token.json()) as any).access_token;
    const key = await w.newHolderKey();
    const bad = await w.signProof(key, { aud: `${issuer.baseUrl}/credential`, nonce: await w.fetchNonce(issuer) });
    assert.equal((await w.credentialRequest(issuer, accessToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proof: { proof_type: 'jwt', jwt: bad } }, { 'user-agent': agent })).status, 400);
    const matrix = (await admin(issuer, 'GET', '/compatibility')).body;
    const row = matrix.rows.find((r: any) => r.wallet === agent);
    assert.equal(row.draft, 'draft 13-15', 'the singular proof gives the draft away');
    assert.deepEqual(row.steps.token, { passed: 1, failed: 0, codes: {} });
    assert.deepEqual(row.steps.credential, { passed: 0, failed: 1, codes: { 'proof.jwt.aud': 1 } });
    assert.equal(row.issued, 0);
  });

  it('links the inspector from the dashboard navigation', async () => {
    const html = await page('/');
    assert.match(html, /href="\/inspect" data-testid="nav-inspector"/);
    assert.equal((await fetch(`${issuer.baseUrl}/inspect`)).status, 200);
    assert.match(html, /href="\/ui\/compatibility"/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { CLIENT_ID, codeTokenForm, obtainCode, postForm } from '../helpers/oauth.js';

/**
 * A share link (page and live stream) and an export (JSON and HAR, with its cURL lines) are
 * handed to people who must be able to read a session, never to take part in it. The attacker's
 * walk: collect every string in those views that could be an offer id, offer URI, code, token,
 * request_uri, transaction or notification id, and present each where it would redeem
 * something — offer endpoint, token endpoint (all three grants), authorization endpoint,
 * credential endpoint. Nothing may work, and none of the wallet's real secrets may be among
 * the candidates. Also: once the offer is exchanged, its URI answers 410 without the offer
 * and the session records that fetch.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

interface Walk {
  /** Every secret a wallet or the admin holds for the sessions under test. */
  secrets: Map<string, string>;
  sessions: string[];
}

async function read(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
}

/** Reads a share stream from the beginning (?after=0) for a moment: the backlog is the whole log. */
async function readStream(url: string): Promise<string> {
  const abort = new AbortController();
  const res = await fetch(`${url}?after=0`, { signal: abort.signal });
  assert.equal(res.status, 200);
  let out = '';
  const reader = res.body!.getReader();
  const timer = setTimeout(() => abort.abort(), 1500);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      out += Buffer.from(value).toString('utf8');
    }
  } catch {
    // aborted: what arrived so far is the backlog
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** What a share link and an export of one session give to whoever holds them. */
async function readOnlyViews(issuer: RunningIssuer, sessionId: string): Promise<Record<string, string>> {
  const auth = { authorization: `Bearer ${issuer.adminToken}` };
  const share = await admin(issuer, 'POST', `/sessions/${sessionId}/share`, { expires_in: 600 });
  assert.equal(share.status, 201);
  const page = await read(share.body.url);
  const json = await read(`${issuer.baseUrl}/sessions/${sessionId}/export?format=json`, auth);
  const har = await read(`${issuer.baseUrl}/sessions/${sessionId}/export?format=har`, auth);
  for (const v of [page, json, har]) assert.equal(v.status, 200);
  const stream = await readStream(`${share.body.url}/stream`);
  return { page: page.text, json: json.text, har: har.text, stream };
}

/** Strings an attacker would try: ids with our prefixes, PAR handles, and any long base64url run. */
function candidatesIn(text: string): Set<string> {
  const decoded = text.replace(/&#x2F;|&#47;/g, '/').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const variants = [decoded, safeDecode(decoded)];
  const out = new Set<string>();
  for (const t of variants) {
    for (const m of t.matchAll(/urn:ietf:params:oauth:request_uri:[A-Za-z0-9_.~-]+/g)) out.add(m[0]);
    for (const m of t.matchAll(/[A-Za-z0-9_-]{16,}/g)) out.add(m[0]);
    for (const m of t.matchAll(/credential_offers\/([^\s"'<>?&\\]+)/g)) out.add(m[1]);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** Each candidate where it would redeem something; returns what worked (must be nothing). */
async function tryToRedeem(issuer: RunningIssuer, candidates: Set<string>): Promise<string[]> {
  const worked: string[] = [];
  for (const c of candidates) {
    const offer = await fetch(`${issuer.baseUrl}/credential_offers/${encodeURIComponent(c)}`);
    await offer.arrayBuffer();
    if (offer.status === 200) worked.push(`offer ${c}`);
    for (const form of <Record<string, string>[]>[
      { grant_type: PRE_AUTH, 'pre-authorized_code': c },
      { grant_type: 'authorization_code', code: c, client_id: CLIENT_ID, redirect_uri: 'https://wallet.example.org/cb', code_verifier: 'x'.repeat(43) },
      { grant_type: 'refresh_token', refresh_token: c },
    ]) {
      const token = await postForm(`${issuer.baseUrl}/token`, form);
      if (token.status === 200) worked.push(`token ${form.grant_type} ${c}`);
      // A known pre-authorized code without its tx_code is refused for the tx_code, not as unknown.
      if (form.grant_type === PRE_AUTH && token.body?.error !== 'invalid_grant') worked.push(`pre-authorized code recognised ${c}: ${token.body?.error}`);
    }
    if (c.startsWith('urn:ietf:params:oauth:request_uri:')) {
      const page = await fetch(`${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: c })}`, { redirect: 'manual' });
      await page.arrayBuffer();
      if (page.status === 200) worked.push(`consent page ${c}`);
    }
    const credential = await w.credentialRequest(issuer, c, { credential_configuration_id: CONFIG });
    if (credential.status !== 401) worked.push(`access token ${c}: ${credential.status}`);
  }
  return worked;
}

/** Sessions covering every kind of secret: a live pre-authorized offer, a full flow with deferral and notification, an authorization code flow. */
async function runSessions(issuer: RunningIssuer): Promise<Walk> {
  const secrets = new Map<string, string>();
  const keep = (name: string, value: string | undefined | null) => {
    if (value) secrets.set(value, name);
  };

  // 1. Created with a tx_code and fetched by the wallet, not redeemed yet: the offer URI still hands out the code.
  const live = await w.createOffer(issuer, { grants: { pre_authorized_code: { tx_code: true } } });
  assert.equal((await fetch(`${issuer.baseUrl}/credential_offers/${live.offer_id}`)).status, 200);
  keep('live offer id', live.offer_id);
  keep('live offer uri', live.credential_offer_uri);
  keep('live pre-authorized code', w.preAuthorizedCode(live));
  keep('live tx_code', live.tx_code);

  // 2. A full pre-authorized flow: token, credential, notification; then a deferred one (transaction_id).
  const full = await w.createOffer(issuer);
  keep('full offer id', full.offer_id);
  keep('full pre-authorized code', w.preAuthorizedCode(full));
  assert.equal((await fetch(`${issuer.baseUrl}/credential_offers/${full.offer_id}`)).status, 200);
  const fullToken = await w.tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': w.preAuthorizedCode(full) });
  keep('full access token', fullToken.body.access_token);
  keep('full refresh token', fullToken.body.refresh_token);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const issued = await w.credentialRequest(issuer, fullToken.body.access_token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(issued.status, 200, issued.text);
  keep('notification id', issued.body.notification_id);
  const notified = await fetch(`${issuer.baseUrl}/notification`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fullToken.body.access_token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ notification_id: issued.body.notification_id, event: 'credential_accepted' }),
  });
  assert.equal(notified.status, 204);

  const deferred = await w.createOffer(issuer, { deferred: true });
  keep('deferred offer id', deferred.offer_id);
  keep('deferred pre-authorized code', w.preAuthorizedCode(deferred));
  const deferredToken = await w.redeem(issuer, deferred);
  keep('deferred access token', deferredToken);
  const deferredProof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const pending = await w.credentialRequest(issuer, deferredToken, { credential_configuration_id: CONFIG, proofs: { jwt: [deferredProof] } });
  assert.equal(pending.status, 202, pending.text);
  keep('transaction id', pending.body.transaction_id);
  const poll = await fetch(`${issuer.baseUrl}/deferred_credential`, {
    method: 'POST',
    headers: { authorization: `Bearer ${deferredToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ transaction_id: pending.body.transaction_id }),
  });
  assert.equal(poll.status, 202);

  // 3. Authorization code flow: offer fetch, PAR, consent page, code, token.
  const flow = await obtainCode(issuer);
  keep('issuer_state', flow.offer.credential_offer.grants.authorization_code.issuer_state);
  keep('request_uri', flow.requestUri);
  keep('authorization code', flow.code);
  const codeToken = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(flow.code, flow.pkce.verifier));
  assert.equal(codeToken.status, 200, JSON.stringify(codeToken.body));
  keep('code access token', codeToken.body.access_token);
  keep('code refresh token', codeToken.body.refresh_token);
  const offerOf = await admin(issuer, 'GET', `/sessions/${flow.offer.session_id}`);
  keep('authorization code offer id', offerOf.body.offer_id);

  return { secrets, sessions: [live.session_id, full.session_id, deferred.session_id, flow.offer.session_id] };
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`share links and exports redeem nothing (${backend})`, () => {
    let issuer: RunningIssuer;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('share_links') : undefined;
      issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', ...(db ? { DATABASE_URL: db.url } : {}) } });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
      await db?.drop();
    });

    it('gives an attacker holding the share page, stream, export and HAR nothing that redeems', async () => {
      const walk = await runSessions(issuer);
      const candidates = new Set<string>();
      for (const id of walk.sessions) {
        const views = await readOnlyViews(issuer, id);
        for (const [name, text] of Object.entries(views)) {
          for (const [secret, what] of walk.secrets) assert.ok(!text.includes(secret), `${what} in the ${name} of ${id}`);
          for (const c of candidatesIn(text)) candidates.add(c);
        }
      }
      assert.ok(candidates.size > 0);
      for (const c of candidates) assert.ok(!walk.secrets.has(c), `${walk.secrets.get(c)} is reachable from a read-only view`);
      assert.deepEqual(await tryToRedeem(issuer, candidates), []);
    });

    it('answers 410 offer.already_redeemed at the offer URI after the token exchange, and records the fetch', async () => {
      const offer = await w.createOffer(issuer);
      await w.redeem(issuer, offer);
      const res = await fetch(`${issuer.baseUrl}/credential_offers/${offer.offer_id}`);
      const body = (await res.json()) as Record<string, unknown>;
      assert.equal(res.status, 410);
      assert.equal(body.error, 'invalid_request');
      assert.equal(body.grants, undefined);
      const requestId = res.headers.get('x-request-id');
      const session = (await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body;
      const entries = session.logs.filter((l: { request_id: string }) => l.request_id === requestId);
      assert.ok(entries.some((l: { data: { code?: string } }) => l.data?.code === 'offer.already_redeemed'), 'the refused fetch is in the session log');
      assert.ok(session.events.some((e: { type: string; details: { reason?: string } }) => e.type === 'offer_retrieval_refused' && e.details?.reason === 'already_redeemed'));
      assert.equal(session.state, 'token_exchanged');
    });
  });
}

import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CompactEncrypt, decodeJwt, importJWK, SignJWT, type JWK } from 'jose';
import { EMPTY_TRUST_LIST } from '../../src/crypto/attestation-trust.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { newHolderKey, signProof, type HolderKey } from '../helpers/wallet.js';
import { jwkThumbprint, presentMdoc, sessionTranscriptBytes, type HeldCredential } from '../helpers/holder.js';

/**
 * The verifier's negative matrix: each broken presentation or response is refused (or, where
 * playground mode serves it, warned about) with its catalogue code in the session log. The app
 * runs in this process on a clock the test moves; its status-list fetches are answered by the
 * same app. Presentations are hand-made so each test breaks exactly one thing.
 */

let offset = 0;
const clock = { nowMs: () => Date.now() + offset };
let lab: Lab;
let pid: HeldCredential & { sessionId: string };
let mdoc: HeldCredential & { sessionId: string };

before(async () => {
  lab = await startLab({}, clock);
  lab.deps.verifier.fetch = (async (input: string | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    const r = await lab.app.inject({ method: 'GET', url: url.pathname, headers: Object.fromEntries(new Headers(init?.headers)) });
    return new Response(r.body, { status: r.statusCode, headers: { 'content-type': String(r.headers['content-type'] ?? '') } });
  }) as typeof fetch;
  pid = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
  mdoc = await issue('eu.europa.ec.eudi.pid_mdoc');
});
after(async () => lab?.close());

async function issue(configurationId: string): Promise<HeldCredential & { sessionId: string }> {
  const offer = await lab.offer({ credential_configuration_ids: [configurationId] });
  const token = (await lab.redeem(offer)).body.access_token;
  const key = await newHolderKey();
  const proof = await signProof(key, { aud: lab.issuer, nonce: await lab.nonce() });
  const r = await lab.credential(token, { credential_configuration_id: configurationId, proofs: { jwt: [proof] } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const isMdoc = configurationId.includes('mdoc');
  return { format: isMdoc ? 'mso_mdoc' : 'dc+sd-jwt', credential: r.body.credentials[0].credential, key, sessionId: offer.session_id, ...(isMdoc ? { docType: 'eu.europa.ec.eudi.pid.1' } : {}) };
}

interface OpenRequest {
  sessionId: string;
  request: Record<string, any>;
  requestUri: string;
}

async function open(body: Record<string, unknown> = { preset: 'pid_sd_jwt', response_mode: 'direct_post' }): Promise<OpenRequest> {
  const created = await lab.admin('POST', '/presentation_requests', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const requestUri = new URL(created.body.request_uri).pathname;
  const fetched = await lab.get(requestUri);
  assert.equal(fetched.status, 200, fetched.text);
  assert.match(String(fetched.headers['content-type']), /application\/oauth-authz-req\+jwt/);
  return { sessionId: created.body.session_id, request: decodeJwt(fetched.text) as Record<string, any>, requestUri };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');

function disclosuresOf(credential: string): { issuerJwt: string; byName: Map<string, string> } {
  const [issuerJwt, ...rest] = credential.split('~');
  const byName = new Map<string, string>();
  for (const d of rest.filter(Boolean)) {
    const arr = JSON.parse(Buffer.from(d, 'base64url').toString()) as unknown[];
    if (arr.length === 3) byName.set(String(arr[1]), d);
  }
  return { issuerJwt, byName };
}

async function kbJwt(key: HolderKey, payload: Record<string, unknown>, typ = 'kb+jwt'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ }).sign(key.privateKey);
}

/** An SD-JWT+KB disclosing `names`, with KB-JWT claims for `req` unless overridden. */
async function sdJwt(req: Record<string, any>, names = ['given_name', 'family_name', 'birthdate'], over: { kb?: Record<string, unknown> | null; key?: HolderKey; typ?: string; mutate?: (p: string) => string } = {}): Promise<string> {
  const { issuerJwt, byName } = disclosuresOf(pid.credential);
  let presented = `${issuerJwt}~${names.map((n) => byName.get(n)!).join('~')}~`;
  if (over.mutate) presented = over.mutate(presented);
  if (over.kb === null) return presented;
  const kb = { iat: Math.floor(clock.nowMs() / 1000), aud: req.client_id, nonce: req.nonce, sd_hash: sha256(presented), ...over.kb };
  return `${presented}${await kbJwt(over.key ?? pid.key, kb, over.typ)}`;
}

async function post(form: Record<string, string>) {
  return lab.form('/oid4vp/response', form);
}

const postToken = (req: Record<string, any>, vpToken: unknown) => post({ vp_token: JSON.stringify(vpToken), state: req.state });

async function codes(sessionId: string): Promise<string[]> {
  return lab.codes(sessionId);
}

async function judged(o: OpenRequest) {
  return (await lab.session(o.sessionId)) as { state: string; result: { verified: boolean; credentials: any[] } };
}

describe('verifier refusals: the negative matrix', () => {
  it('refuses a KB-JWT with the wrong nonce (vp.kb_jwt.nonce_mismatch)', async () => {
    const o = await open();
    assert.equal((await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { kb: { nonce: 'another-nonce' } })] })).status, 200);
    assert.ok((await codes(o.sessionId)).includes('vp.kb_jwt.nonce_mismatch'));
    const s = await judged(o);
    assert.equal(s.state, 'failed');
    assert.equal(s.result.verified, false);
  });

  it('refuses a KB-JWT for another audience, naming the unprefixed draft form (vp.kb_jwt.aud_mismatch)', async () => {
    const o = await open();
    const bare = String(o.request.client_id).replace(/^x509_san_dns:/, '');
    await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { kb: { aud: bare } })] });
    const logs = await lab.logs(o.sessionId);
    const entry = logs.find((l: any) => l.data?.code === 'vp.kb_jwt.aud_mismatch');
    assert.ok(entry);
    assert.match(entry.data.reason, /without its prefix/);
  });

  it('refuses a presentation without KB-JWT when holder binding is required (vp.kb_jwt.missing)', async () => {
    const o = await open();
    await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { kb: null })] });
    assert.ok((await codes(o.sessionId)).includes('vp.kb_jwt.missing'));
  });

  it('refuses a KB-JWT whose sd_hash does not cover the presented disclosures (vp.kb_jwt.sd_hash)', async () => {
    const o = await open();
    const full = await sdJwt(o.request);
    const { byName } = disclosuresOf(pid.credential);
    // A disclosure removed after the KB-JWT was signed.
    const cut = full.replace(`~${byName.get('birthdate')}~`, '~');
    await postToken(o.request, { pid: [cut] });
    assert.ok((await codes(o.sessionId)).includes('vp.kb_jwt.sd_hash'));
  });

  it('refuses a tampered disclosure (vp.sd_jwt.disclosure_unreferenced)', async () => {
    const o = await open();
    const { byName } = disclosuresOf(pid.credential);
    const original = byName.get('family_name')!;
    const [salt] = JSON.parse(Buffer.from(original, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify([salt, 'family_name', 'Forged'])).toString('base64url');
    await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { mutate: (p) => p.replace(original, forged) })] });
    assert.ok((await codes(o.sessionId)).includes('vp.sd_jwt.disclosure_unreferenced'));
    assert.equal((await judged(o)).state, 'failed');
  });

  it('refuses a KB-JWT signed by another key or with the wrong typ (vp.kb_jwt.signature)', async () => {
    const o = await open();
    await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { key: await newHolderKey() })] });
    assert.ok((await codes(o.sessionId)).includes('vp.kb_jwt.signature'));
    const o2 = await open();
    await postToken(o2.request, { pid: [await sdJwt(o2.request, undefined, { typ: 'JWT' })] });
    assert.ok((await codes(o2.sessionId)).includes('vp.kb_jwt.signature'));
  });

  it('refuses a stale KB-JWT (vp.kb_jwt.iat)', async () => {
    const o = await open();
    await postToken(o.request, { pid: [await sdJwt(o.request, undefined, { kb: { iat: Math.floor(clock.nowMs() / 1000) - 3600 } })] });
    assert.ok((await codes(o.sessionId)).includes('vp.kb_jwt.iat'));
  });

  it('refuses an mdoc whose device signature covers another transcript (vp.mdoc.device_signature)', async () => {
    const o = await open({ preset: 'pid_mdoc', response_mode: 'direct_post' });
    const other = sessionTranscriptBytes({ clientId: o.request.client_id, nonce: 'another-request-nonce', jwkThumbprint: null, responseUri: o.request.response_uri });
    const p = await presentMdoc(mdoc, { 'eu.europa.ec.eudi.pid.1': ['given_name', 'family_name', 'birth_date'] }, other);
    await postToken(o.request, { pid: [p] });
    assert.ok((await codes(o.sessionId)).includes('vp.mdoc.device_signature'));
  });

  it('refuses a DeviceResponse with an altered element, and garbage (vp.mdoc.issuer_auth, vp.mdoc.malformed)', async () => {
    const o = await open({ preset: 'pid_mdoc', response_mode: 'direct_post' });
    const good = await presentMdoc(mdoc, { 'eu.europa.ec.eudi.pid.1': ['given_name', 'family_name', 'birth_date'] }, sessionTranscriptBytes({ clientId: o.request.client_id, nonce: o.request.nonce, jwkThumbprint: null, responseUri: o.request.response_uri }));
    const bytes = Buffer.from(good, 'base64url');
    const at = bytes.indexOf(Buffer.from('Mustermann'));
    bytes.write('Musterfrau', at);
    await postToken(o.request, { pid: [bytes.toString('base64url')] });
    assert.ok((await codes(o.sessionId)).includes('vp.mdoc.issuer_auth'));
    const o2 = await open({ preset: 'pid_mdoc', response_mode: 'direct_post' });
    await postToken(o2.request, { pid: ['bm90LWNib3I'] });
    assert.ok((await codes(o2.sessionId)).includes('vp.mdoc.malformed'));
  });

  it('refuses expired credentials (vp.sd_jwt.expired, vp.mdoc.validity)', async () => {
    offset = 4000 * 86_400_000;
    try {
      const o = await open();
      await postToken(o.request, { pid: [await sdJwt(o.request)] });
      assert.ok((await codes(o.sessionId)).includes('vp.sd_jwt.expired'));
      const o2 = await open({ preset: 'pid_mdoc', response_mode: 'direct_post' });
      const p = await presentMdoc(mdoc, { 'eu.europa.ec.eudi.pid.1': ['given_name', 'family_name', 'birth_date'] }, sessionTranscriptBytes({ clientId: o2.request.client_id, nonce: o2.request.nonce, jwkThumbprint: null, responseUri: o2.request.response_uri }));
      await postToken(o2.request, { pid: [p] });
      assert.ok((await codes(o2.sessionId)).includes('vp.mdoc.validity'));
    } finally {
      offset = 0;
    }
  });

  it('refuses a credential revoked through the issuer admin API (vp.status.revoked)', async () => {
    const held = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
    const creds = await lab.admin('GET', `/sessions/${held.sessionId}/credentials`);
    const id = creds.body.credentials?.[0]?.credential_id ?? creds.body[0]?.credential_id ?? creds.body.credentials?.[0]?.id;
    assert.ok(id, JSON.stringify(creds.body));
    const o = await open();
    const saved = pid;
    pid = held;
    try {
      // Valid first: the next presentation after the revocation must see it (no stale cache).
      await postToken(o.request, { pid: [await sdJwt(o.request)] });
      assert.equal((await judged(o)).result.credentials[0].status, 'valid');
      assert.equal((await lab.admin('POST', `/credentials/${id}/status`, { status: 'revoked' })).status, 200);
      const o2 = await open();
      await postToken(o2.request, { pid: [await sdJwt(o2.request)] });
      assert.ok((await codes(o2.sessionId)).includes('vp.status.revoked'));
      assert.equal((await judged(o2)).result.credentials[0].status, 'revoked');
    } finally {
      pid = saved;
    }
  });

  it('goes on with a warning when the status list cannot be fetched (vp.status.unavailable)', async () => {
    const fetchList = lab.deps.verifier.fetch;
    lab.deps.verifier.fetch = (async () => new Response('down', { status: 503 })) as typeof fetch;
    try {
      const o = await open();
      await postToken(o.request, { pid: [await sdJwt(o.request)] });
      assert.ok((await codes(o.sessionId)).includes('vp.status.unavailable'));
      const s = await judged(o);
      assert.equal(s.state, 'verified');
      assert.equal(s.result.credentials[0].status, 'unknown');
    } finally {
      lab.deps.verifier.fetch = fetchList;
    }
  });

  it('warns about an untrusted issuer in playground mode and refuses it in strict mode (vp.trust.untrusted_issuer, vp.trust.untrusted_issuer_refused)', async () => {
    const trust = lab.deps.verifier.trust;
    lab.deps.verifier.trust = EMPTY_TRUST_LIST;
    try {
      const o = await open();
      await postToken(o.request, { pid: [await sdJwt(o.request)] });
      assert.ok((await codes(o.sessionId)).includes('vp.trust.untrusted_issuer'));
      const o2 = await open({ preset: 'pid_sd_jwt', response_mode: 'direct_post', strict: true });
      await postToken(o2.request, { pid: [await sdJwt(o2.request)] });
      assert.ok((await codes(o2.sessionId)).includes('vp.trust.untrusted_issuer_refused'));
      assert.equal((await judged(o2)).state, 'failed');
    } finally {
      lab.deps.verifier.trust = trust;
    }
  });

  it('refuses a replayed response (vp.response.replayed) and a later fetch of the request (vp.request_uri.answered)', async () => {
    const o = await open();
    const form = { vp_token: JSON.stringify({ pid: [await sdJwt(o.request)] }), state: o.request.state };
    assert.equal((await post(form)).status, 200);
    assert.equal((await judged(o)).state, 'verified');
    const again = await post(form);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_request');
    assert.ok((await codes(o.sessionId)).includes('vp.response.replayed'));
    assert.equal((await lab.get(o.requestUri)).status, 410);
    assert.ok((await codes(o.sessionId)).includes('vp.request_uri.answered'));
  });

  it('refuses a response to an expired request and the expired request_uri (vp.response.expired, vp.request_uri.expired)', async () => {
    const o = await open({ preset: 'pid_sd_jwt', response_mode: 'direct_post', expires_in: 5 });
    offset = 10_000;
    try {
      const r = await postToken(o.request, { pid: [await sdJwt(o.request)] });
      assert.equal(r.status, 400);
      assert.ok((await codes(o.sessionId)).includes('vp.response.expired'));
      assert.equal((await lab.get(o.requestUri)).status, 410);
      assert.ok((await codes(o.sessionId)).includes('vp.request_uri.expired'));
      assert.equal((await judged(o)).state, 'expired');
    } finally {
      offset = 0;
    }
  });

  it('keeps claims that were not requested out of the result (vp.claims.not_requested, vp.claims.not_requested_refused)', async () => {
    const o = await open({ preset: 'pid_name_only', response_mode: 'direct_post' });
    await postToken(o.request, { pid: [await sdJwt(o.request, ['given_name', 'family_name', 'email'])] });
    assert.ok((await codes(o.sessionId)).includes('vp.claims.not_requested'));
    const s = await judged(o);
    assert.equal(s.state, 'verified');
    assert.deepEqual(s.result.credentials[0].claims, { given_name: 'Erika', family_name: 'Mustermann' });
    const o2 = await open({ preset: 'pid_name_only', response_mode: 'direct_post', strict: true });
    await postToken(o2.request, { pid: [await sdJwt(o2.request, ['given_name', 'family_name', 'email'])] });
    assert.ok((await codes(o2.sessionId)).includes('vp.claims.not_requested_refused'));
  });

  it('refuses a vp_token that does not satisfy the query, or answers another query (vp.dcql.unsatisfied, vp.vp_token.unexpected_query)', async () => {
    const o = await open();
    await postToken(o.request, { pid: [await sdJwt(o.request, ['given_name'])] });
    assert.ok((await codes(o.sessionId)).includes('vp.dcql.unsatisfied'));
    const o2 = await open();
    await postToken(o2.request, { mdl: [await sdJwt(o2.request)] });
    assert.ok((await codes(o2.sessionId)).includes('vp.vp_token.unexpected_query'));
  });

  it('refuses a presentation of another type, garbage and a broken issuer signature (vp.presentation.format_mismatch, vp.sd_jwt.malformed, vp.sd_jwt.issuer_signature)', async () => {
    const o = await open({ preset: 'pid_mdoc', response_mode: 'direct_post' });
    await postToken(o.request, { pid: [{ not: 'a string' }] });
    assert.ok((await codes(o.sessionId)).includes('vp.mdoc.malformed'));
    const o2 = await open();
    await postToken(o2.request, { pid: [{ not: 'a string' }] });
    assert.ok((await codes(o2.sessionId)).includes('vp.presentation.format_mismatch'));
    const o3 = await open();
    await postToken(o3.request, { pid: ['garbage'] });
    assert.ok((await codes(o3.sessionId)).includes('vp.sd_jwt.malformed'));
    const o4 = await open();
    const flip = (p: string) => {
      const [jwt, ...rest] = p.split('~');
      const [h, b, s] = jwt.split('.');
      return [`${h}.${b}.${s.slice(0, -4)}AAAA`, ...rest].join('~');
    };
    await postToken(o4.request, { pid: [await sdJwt(o4.request, undefined, { mutate: flip })] });
    assert.ok((await codes(o4.sessionId)).includes('vp.sd_jwt.issuer_signature'));
  });

  it('refuses unreadable responses (vp.response.malformed, vp.response.unknown_state, vp.vp_token.malformed)', async () => {
    const r1 = await lab.app.inject({ method: 'POST', url: '/oid4vp/response', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(r1.statusCode, 400);
    assert.ok((await lab.requestCodes(r1.headers['x-request-id'])).includes('vp.response.malformed'));
    const r2 = await post({ vp_token: '{}', state: 'no-such-state' });
    assert.equal(r2.status, 400);
    assert.ok((await lab.requestCodes(r2.headers['x-request-id'])).includes('vp.response.unknown_state'));
    const o = await open();
    const r3 = await post({ vp_token: '{not json', state: o.request.state });
    assert.equal(r3.status, 400);
    assert.ok((await codes(o.sessionId)).includes('vp.vp_token.malformed'));
  });

  it('refuses an unencrypted vp_token when direct_post.jwt was asked, and a JWE for another key (vp.response.encryption_required, vp.response.jwe_invalid)', async () => {
    const o = await open({ preset: 'pid_sd_jwt' });
    assert.equal(o.request.response_mode, 'direct_post.jwt');
    const r = await postToken(o.request, { pid: [await sdJwt(o.request)] });
    assert.equal(r.status, 400);
    assert.ok((await codes(o.sessionId)).includes('vp.response.encryption_required'));
    const jwk = o.request.client_metadata.jwks.keys[0] as JWK;
    const other = { ...(await crypto.subtle.exportKey('jwk', (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])).publicKey)), kid: jwk.kid } as JWK;
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ vp_token: {}, state: o.request.state })))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: jwk.kid })
      .encrypt(await importJWK({ ...other, alg: undefined, key_ops: undefined, ext: undefined } as JWK, 'ECDH-ES'));
    const r2 = await post({ response: jwe });
    assert.equal(r2.status, 400);
    assert.ok((await codes(o.sessionId)).includes('vp.response.jwe_invalid'));
    // The right key, with the thumbprint the mdoc handover uses.
    assert.equal(jwkThumbprint(jwk).length, 32);
  });

  it('records a wallet error response (vp.response.wallet_error)', async () => {
    const o = await open();
    const r = await post({ error: 'access_denied', error_description: 'user declined', state: o.request.state });
    assert.equal(r.status, 200);
    assert.ok((await codes(o.sessionId)).includes('vp.response.wallet_error'));
    const s = await judged(o);
    assert.equal(s.state, 'failed');
    assert.equal((s.result as any).wallet_error.error, 'access_denied');
  });

  it('serves a draft vp_token shape with a warning and refuses it in strict mode (draft.vp.response_shape, draft.vp.response_shape_refused)', async () => {
    const o = await open();
    await post({ vp_token: await sdJwt(o.request), presentation_submission: '{}', state: o.request.state });
    assert.ok((await codes(o.sessionId)).includes('draft.vp.response_shape'));
    assert.equal((await judged(o)).state, 'verified');
    const o2 = await open({ preset: 'pid_sd_jwt', response_mode: 'direct_post', strict: true });
    const r = await post({ vp_token: JSON.stringify({ pid: await sdJwt(o2.request) }), state: o2.request.state });
    assert.equal(r.status, 400);
    assert.ok((await codes(o2.sessionId)).includes('draft.vp.response_shape_refused'));
  });

  it('reads wallet_metadata posted to the request_uri and names draft names (draft.vp.wallet_metadata, draft.vp.wallet_metadata_refused, vp.request_uri.wallet_metadata_malformed)', async () => {
    const created = await lab.admin('POST', '/presentation_requests', { preset: 'pid_sd_jwt', request_uri_method: 'post' });
    const path = new URL(created.body.request_uri).pathname;
    assert.match(created.body.request_url, /request_uri_method=post/);
    const r = await lab.form(path, { wallet_metadata: JSON.stringify({ client_id_schemes_supported: ['x509_san_dns'] }), wallet_nonce: 'wn-123' });
    assert.equal(r.status, 200);
    assert.equal((decodeJwt(r.text) as any).wallet_nonce, 'wn-123');
    assert.ok((await codes(created.body.session_id)).includes('draft.vp.wallet_metadata'));
    const bad = await lab.form(path, { wallet_metadata: '[1' });
    assert.equal(bad.status, 400);
    assert.ok((await codes(created.body.session_id)).includes('vp.request_uri.wallet_metadata_malformed'));
    const strict = await lab.admin('POST', '/presentation_requests', { preset: 'pid_sd_jwt', strict: true });
    const r2 = await lab.form(new URL(strict.body.request_uri).pathname, { wallet_metadata: JSON.stringify({ vp_formats: {} }) });
    assert.equal(r2.status, 400);
    assert.ok((await codes(strict.body.session_id)).includes('draft.vp.wallet_metadata_refused'));
  });

  it('answers an unknown request_uri with 404 (vp.request_uri.unknown)', async () => {
    const r = await lab.get('/oid4vp/requests/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'invalid_request_uri');
    assert.ok((await lab.requestCodes(r.headers['x-request-id'])).includes('vp.request_uri.unknown'));
  });

  it('applies the fault switches of a request (fault.vp.single_fetch, fault.vp.reject_first_response, unsigned_request)', async () => {
    const o = await open({ preset: 'pid_sd_jwt', response_mode: 'direct_post', faults: { single_fetch: true, reject_first_response: true } });
    const again = await lab.get(o.requestUri);
    assert.equal(again.status, 410);
    assert.ok((await codes(o.sessionId)).includes('fault.vp.single_fetch'));
    const form = { vp_token: JSON.stringify({ pid: [await sdJwt(o.request)] }), state: o.request.state };
    assert.equal((await post(form)).status, 400);
    assert.ok((await codes(o.sessionId)).includes('fault.vp.reject_first_response'));
    assert.equal((await post(form)).status, 200);
    assert.equal((await judged(o)).state, 'verified');
    const created = await lab.admin('POST', '/presentation_requests', { preset: 'pid_sd_jwt', faults: { unsigned_request: true } });
    const jar = await lab.get(new URL(created.body.request_uri).pathname);
    assert.equal(JSON.parse(Buffer.from(jar.text.split('.')[0], 'base64url').toString()).alg, 'none');
  });

  it('require_encrypted_response refuses an error response in clear, keeps the request open and judges an encrypted one (fault.vp.require_encrypted_response)', async () => {
    const refused = await lab.admin('POST', '/presentation_requests', { preset: 'pid_sd_jwt', response_mode: 'direct_post', faults: { require_encrypted_response: true } });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /direct_post\.jwt/);
    const o = await open({ preset: 'pid_sd_jwt', faults: { require_encrypted_response: true } });
    assert.equal((await lab.admin('GET', `/sessions/${o.sessionId}`)).body.faults.require_encrypted_response, true);
    const clear = await post({ error: 'access_denied', state: o.request.state });
    assert.equal(clear.status, 400);
    assert.equal(clear.body.error, 'invalid_request');
    assert.ok((await codes(o.sessionId)).includes('fault.vp.require_encrypted_response'));
    assert.equal((await judged(o)).state, 'request_retrieved', 'the request stays open');
    const jwk = o.request.client_metadata.jwks.keys[0] as JWK;
    const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ vp_token: { pid: [await sdJwt(o.request)] }, state: o.request.state })))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', kid: jwk.kid })
      .encrypt(await importJWK(jwk, 'ECDH-ES'));
    assert.equal((await post({ response: jwe })).status, 200);
    assert.equal((await judged(o)).state, 'verified');
    const events = (await lab.admin('GET', `/sessions/${o.sessionId}/events`)).body.events as { type: string; details: { fault?: string } }[];
    assert.deepEqual(events.filter((e) => e.type === 'fault_injected').map((e) => e.details.fault), ['require_encrypted_response']);
    // Without the switch, 1.0's rule holds: a wallet that cannot encrypt may post its error in clear.
    const plain = await open({ preset: 'pid_sd_jwt' });
    assert.equal((await post({ error: 'access_denied', state: plain.request.state })).status, 200);
  });

  it('exports a verification session with its request options and judged result, nothing of the request_uri or state (a share viewer cannot answer the request)', async () => {
    const o = await open({ preset: 'pid_sd_jwt', response_mode: 'direct_post', faults: { reject_first_response: true } });
    const form = { vp_token: JSON.stringify({ pid: [await sdJwt(o.request)] }), state: o.request.state };
    await post(form);
    await post(form);
    const exported = await lab.admin('GET', `/sessions/${o.sessionId}/export?format=json`);
    assert.equal(exported.status, 200);
    const session = exported.body.session;
    assert.equal(session.kind, 'presentation');
    assert.equal(session.preset, 'pid_sd_jwt');
    assert.equal(session.faults.reject_first_response, true);
    assert.equal(session.result.verified, true);
    assert.deepEqual(session.result.credentials[0].claims, { given_name: 'Erika', family_name: 'Mustermann', birthdate: '1984-01-12' });
    const text = JSON.stringify(exported.body);
    assert.ok(!text.includes(o.request.state), 'no state in clear, not even in the logged body of the refused first response');
    const served = exported.body.logs.find((l: any) => l.endpoint === 'vp_request' && l.level === 'debug');
    assert.match(served.data.response, /^\(request object JWT, \d+ characters\)$/, 'the served request object (its payload holds state) is described, not kept');
    assert.ok(!text.includes(o.requestUri.split('/').pop()!), 'no request_uri token');
  });

  it('validates a typed-in DCQL query at creation (credential_sets, claim_sets, values)', async () => {
    const good = await lab.admin('POST', '/presentation_requests', {
      dcql_query: {
        credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ id: 'a', path: ['given_name'] }, { id: 'b', path: ['nationalities'], values: ['DE'] }], claim_sets: [['a', 'b'], ['a']] }],
        credential_sets: [{ options: [['pid']] }],
      },
    });
    assert.equal(good.status, 201, JSON.stringify(good.body));
    const bad = await lab.admin('POST', '/presentation_requests', { dcql_query: { credentials: [{ id: 'x y', format: 'dc+sd-jwt' }] } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_request');
    const noMeta = await lab.admin('POST', '/presentation_requests', { dcql_query: { credentials: [{ id: 'p', format: 'dc+sd-jwt', meta: {} }] } });
    assert.equal(noMeta.status, 400);
    assert.ok(noMeta.body.problems.some((p: string) => p.includes('vct_values')));
    assert.equal(randomBytes(1).length, 1);
  });
});

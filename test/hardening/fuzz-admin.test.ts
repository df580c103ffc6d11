import { after, before, describe, it } from 'node:test';
import { encode as encodeCbor } from 'cbor-x';
import fc from 'fast-check';
import { COOKIE_NAME, DashboardAuth } from '../../src/dashboard/auth.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { createTally, expectSpecError, jwtish, RUNS } from './fuzz-arbitraries.js';

/**
 * Fuzzing what operators and browsers send: admin API JSON bodies, the dashboard's form
 * bodies (signed in, with a valid CSRF token, so the forms' own parsing is reached), and the
 * inspector with random and mutated CBOR (a real mdoc with flipped, cut and inserted bytes) and
 * JWTs. An operator's mistake is a 4xx, never a 5xx.
 */

const t = createTally();
let issuer: RunningIssuer;
let sessionId: string;
let deferredSessionId: string;
let mdoc: string;
before(async () => {
  issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const offer = await w.createOffer(issuer, { credential_configuration_ids: ['eu.europa.ec.eudi.pid_mdoc'] });
  sessionId = offer.session_id;
  const token = await w.redeem(issuer, offer);
  const proof = await w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_mdoc', proofs: { jwt: [proof] } });
  mdoc = res.body.credentials[0].credential;
  deferredSessionId = (await w.createOffer(issuer, { deferred: true })).session_id;
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  t.print('fuzz-admin');
});

const adminPost = (path: string, body: string) =>
  fetch(`${issuer.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${issuer.adminToken}`, 'content-type': 'application/json' }, body });
const json = (v: unknown) => JSON.stringify(v) ?? 'null';
const configId = fc.oneof(fc.constantFrom('eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc', 'org.iso.18013.5.1.mDL'), fc.string());
const deepJson = fc.integer({ min: 30, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));

describe('fuzzing the admin API', () => {
  it('POST /credential_offers: random offer requests', async () => {
    const txCode = fc.oneof(fc.boolean(), fc.record({ length: fc.oneof(fc.integer(), fc.anything()), input_mode: fc.string(), description: fc.anything() }, { requiredKeys: [] }), fc.anything());
    const grants = fc.oneof(fc.record({ pre_authorized_code: fc.oneof(fc.boolean(), fc.record({ tx_code: txCode }, { requiredKeys: [] }), fc.anything()), authorization_code: fc.anything() }, { requiredKeys: [] }), fc.anything());
    const offer = fc.record(
      { credential_configuration_ids: fc.oneof(fc.array(configId, { maxLength: 4 }), fc.anything()), grants, claims: fc.oneof(fc.dictionary(configId, fc.jsonValue()), fc.anything()), deferred: fc.anything(), by_reference: fc.anything(), expires_in: fc.anything(), subject_id: fc.anything() },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(offer.map(json), fc.json(), fc.string(), deepJson), async (body) => {
        await expectSpecError(t, 'admin:credential_offers', await adminPost('/credential_offers', body));
      }),
      { numRuns: RUNS },
    );
  });

  it('POST /sessions/{id}/claims, /share and /credentials/{id}/status: random bodies', async () => {
    const claims = fc.record({ credential_configuration_id: fc.oneof(configId, fc.anything()), claims: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.anything()) }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.oneof(claims.map(json), fc.json(), deepJson), fc.oneof(fc.record({ expires_in: fc.anything() }, { requiredKeys: [] }).map(json), fc.json()), fc.oneof(fc.record({ status: fc.oneof(fc.constantFrom('valid', 'revoked', 'suspended'), fc.anything()) }).map(json), fc.json()), async (c, s, st) => {
        await expectSpecError(t, 'admin:claims', await adminPost(`/sessions/${deferredSessionId}/claims`, c));
        await expectSpecError(t, 'admin:share', await adminPost(`/sessions/${sessionId}/share`, s));
        await expectSpecError(t, 'admin:credential_status', await adminPost(`/credentials/${encodeURIComponent('crd_x')}/status`, st));
      }),
      { numRuns: RUNS },
    );
  });

  it('GET list endpoints: random query strings', async () => {
    const key = fc.constantFrom('limit', 'offset', 'state', 'credential_configuration_id', 'created_after', 'created_before', 'level', 'order', 'format', 'x');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, fc.oneof(fc.string(), fc.integer().map(String))), { maxLength: 6 }), fc.constantFrom('/sessions', `/sessions/${sessionId}/logs`, `/sessions/${sessionId}/events`, '/unbound_requests/logs', `/sessions/${sessionId}/export`), async (pairs, path) => {
        const res = await fetch(`${issuer.baseUrl}${path}?${new URLSearchParams(pairs)}`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
        await expectSpecError(t, 'admin:queries', res);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the inspector', () => {
  it('CBOR: random bytes, random CBOR values and a real mdoc with bytes flipped, cut or inserted', async () => {
    const real = Buffer.from(mdoc, 'base64url');
    const mutated = fc.tuple(fc.array(fc.tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(real.length), fc.boolean()).map(([flips, cut, insert]) => {
      const bytes = Buffer.from(real);
      for (const [at, value] of flips) bytes[at] = value;
      return insert ? Buffer.concat([bytes.subarray(0, cut), Buffer.from([0x9f, 0xbf, 0x5f]), bytes.subarray(cut)]) : bytes.subarray(0, cut || real.length);
    });
    const cbor = fc.oneof(mutated, fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), fc.anything().map((v) => Buffer.from(encodeCbor(v))), fc.integer({ min: 10, max: 5000 }).map((n) => Buffer.concat([Buffer.alloc(n, 0x81), Buffer.from([0])])));
    await fc.assert(
      fc.asyncProperty(cbor, fc.constantFrom('credential', undefined), async (bytes, kind) => {
        await expectSpecError(t, 'inspect:cbor', await adminPost('/inspect', json({ ...(kind ? { kind } : {}), value: bytes.toString('base64url') || 'AA' })));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('JWTs and requests of every kind', async () => {
    const kind = fc.constantFrom('proof', 'dpop', 'wallet_attestation', 'key_attestation', 'credential_request', 'credential', undefined);
    const value = fc.oneof(jwtish.map((v) => (typeof v === 'string' && v.length > 0 ? v.slice(0, 150_000) : 'x')), fc.dictionary(fc.string(), fc.jsonValue()), jwtish.map((v) => `${String(v)}~${String(v)}~`));
    await fc.assert(
      fc.asyncProperty(kind, value, fc.option(fc.record({ aud: fc.string(), nonce: fc.string(), htm: fc.string(), htu: fc.string() }, { requiredKeys: [] })), async (k, v, expected) => {
        await expectSpecError(t, 'inspect:jwt', await adminPost('/inspect', json({ ...(k ? { kind: k } : {}), value: v, ...(expected ? { expected } : {}) })));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzzing the dashboard forms', () => {
  it('create-offer, supply-claims and sign-in forms with random fields (signed in, valid CSRF token)', async () => {
    const auth = new DashboardAuth(issuer.adminToken);
    const cookieValue = auth.issueCookieValue(Date.now());
    const headers = { cookie: `${COOKIE_NAME}=${encodeURIComponent(cookieValue)}`, 'content-type': 'application/x-www-form-urlencoded' };
    const csrf = auth.csrfToken(cookieValue);
    const key = fc.constantFrom('credential_configuration_ids', 'grant', 'tx_code', 'tx_code_length', 'tx_code_input_mode', 'deferred', 'by_reference', 'claims', 'credential_configuration_id', 'expires_in', 'token', 'x');
    const value = fc.oneof(fc.string(), fc.json(), fc.constantFrom('on', 'pre_authorized_code', 'authorization_code', 'eu.europa.ec.eudi.pid_vc_sd_jwt', '{"given_name":' + '['.repeat(20_000) + ']'.repeat(20_000) + '}'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 10 }), async (pairs) => {
        const body = new URLSearchParams([...pairs, ['csrf', csrf]]).toString();
        for (const [name, path] of [['ui:offers', '/ui/offers'], ['ui:claims', `/ui/sessions/${deferredSessionId}/claims`], ['ui:share', `/ui/sessions/${sessionId}/share`]] as const) {
          await expectSpecError(t, name, await fetch(`${issuer.baseUrl}${path}`, { method: 'POST', headers, body, redirect: 'manual' }), { html: true });
        }
        const signIn = await fetch(`${issuer.baseUrl}/ui/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.1' }, body: new URLSearchParams(pairs).toString(), redirect: 'manual' });
        await expectSpecError(t, 'ui:sign-in', signIn, { html: true });
      }),
      { numRuns: RUNS },
    );
  });
});

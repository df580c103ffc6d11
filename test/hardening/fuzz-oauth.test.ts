import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parseConsentForm } from '../helpers/consent-page.js';
import { authorizationCodeOffer, authorizationParams, CLIENT_ID, codeTokenForm, dpopProof, newHolderKey, newPkce, obtainCode, postForm } from '../helpers/oauth.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { b64, createTally, expectSpecError, headerJwtish, jwtish, RUNS } from './fuzz-arbitraries.js';

/**
 * Fuzzing the endpoints added since the first fuzz tests: PAR, the authorization page
 * and its consent form, DPoP and wallet attestation headers at token and PAR, DPoP at the
 * credential endpoint, the deferred endpoint (and notification when present). Same property: a
 * spec error or success, never a 5xx, never a crash; counts per endpoint in the summary line.
 */

const t = createTally();
let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', PAR_REQUIRED: 'false' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  t.print('fuzz-oauth');
});

const FORM = 'application/x-www-form-urlencoded';
const contentType = fc.constantFrom(FORM, 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '');
const authKey = fc.constantFrom('response_type', 'client_id', 'redirect_uri', 'code_challenge', 'code_challenge_method', 'scope', 'state', 'issuer_state', 'authorization_details', 'request_uri', 'request', 'dpop_jkt', 'resource', 'x');
const authValue = fc.oneof(
  fc.string(),
  fc.constantFrom('code', 'S256', 'plain', 'https://wallet.example.org/cb', 'openid4vci://cb', CLIENT_ID, 'eu.europa.ec.eudi.pid_vc_sd_jwt', '[{"type":"openid_credential","credential_configuration_id":"eu.europa.ec.eudi.pid_vc_sd_jwt"}]', 'urn:ietf:params:oauth:request_uri:x'),
  fc.json(),
);
const formBody = fc.array(fc.tuple(authKey, authValue), { maxLength: 14 }).map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const headersOf = (entries: [string, string | undefined][]) => Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));

describe('fuzzing the OAuth endpoints', () => {
  it('PAR: random forms, content types, DPoP and wallet attestation headers', async () => {
    await fc.assert(
      fc.asyncProperty(formBody, contentType, fc.option(headerJwtish), fc.option(headerJwtish), fc.option(headerJwtish), async (body, type, dpop, attestation, pop) => {
        const headers = headersOf([['content-type', type || undefined], ['dpop', dpop ?? undefined], ['oauth-client-attestation', attestation ?? undefined], ['oauth-client-attestation-pop', pop ?? undefined]]);
        await expectSpecError(t, 'par', await fetch(`${issuer.baseUrl}/par`, { method: 'POST', headers, body }));
      }),
      { numRuns: RUNS },
    );
  });

  it('authorization endpoint: random query strings (and PAR request_uri mixed with extra parameters)', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const pkce = newPkce();
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, pkce.challenge));
    const realUri: string = par.body.request_uri;
    await fc.assert(
      fc.asyncProperty(formBody, fc.boolean(), async (query, withUri) => {
        const q = withUri ? `request_uri=${encodeURIComponent(realUri)}&${query}` : query;
        const res = await fetch(`${issuer.baseUrl}/authorize?${q}`, { redirect: 'manual' });
        await expectSpecError(t, 'authorization', res, { html: true });
      }),
      { numRuns: RUNS },
    );
  });

  it('consent form: random decisions, CSRF tokens, personas and claims for a live authorization', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const pkce = newPkce();
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, pkce.challenge));
    const page = await (await fetch(`${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`)).text();
    const form = parseConsentForm(page);
    const key = fc.constantFrom('authorization_request_id', 'csrf_token', 'decision', 'persona.eu.europa.ec.eudi.pid_vc_sd_jwt', 'claims.eu.europa.ec.eudi.pid_vc_sd_jwt', 'x');
    const value = fc.oneof(fc.string(), fc.json(), fc.constantFrom('allow', 'deny', 'custom', form.hidden.authorization_request_id, '{"given_name":' + '['.repeat(200) + ']'.repeat(200) + '}'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, value), { maxLength: 8 }), fc.boolean(), async (pairs, keepId) => {
        const params = new URLSearchParams(pairs);
        if (keepId) params.set('authorization_request_id', form.hidden.authorization_request_id);
        const res = await fetch(`${issuer.baseUrl}${form.action.replace(/^https?:\/\/[^/]+/, '')}`, { method: 'POST', headers: { 'content-type': FORM }, body: params.toString(), redirect: 'manual' });
        await expectSpecError(t, 'authorization_consent', res, { html: true });
      }),
      { numRuns: RUNS },
    );
  });

  it('token endpoint: random DPoP and wallet attestation headers on otherwise valid requests', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(headerJwtish), fc.option(headerJwtish), fc.option(headerJwtish), fc.boolean(), async (dpop, attestation, pop, preAuth) => {
        const body = preAuth
          ? new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'not-a-code' }).toString()
          : new URLSearchParams(codeTokenForm('not-a-code', 'v'.repeat(43))).toString();
        const headers = headersOf([['content-type', FORM], ['dpop', dpop ?? undefined], ['oauth-client-attestation', attestation ?? undefined], ['oauth-client-attestation-pop', pop ?? undefined]]);
        await expectSpecError(t, 'token_headers', await fetch(`${issuer.baseUrl}/token`, { method: 'POST', headers, body }));
      }),
      { numRuns: RUNS },
    );
  });

  it('token and PAR: plausible wallet attestations and PoPs (right typ, sub, cnf.jwk) with random times and claims', async () => {
    const { publicJwk } = await newHolderKey();
    const time = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(1e20, -1e20, Date.now() / 1000, Date.now() / 1000 + 3600), fc.string());
    const attestation = fc
      .record({ exp: time, nbf: time, iat: time, sub: fc.oneof(fc.constant(CLIENT_ID), fc.string()), iss: fc.oneof(fc.string(), fc.anything()), x5c: fc.oneof(fc.array(fc.base64String(), { maxLength: 2 }), fc.anything()) }, { requiredKeys: [] })
      .map(({ x5c, ...p }) => `${b64({ alg: 'ES256', typ: 'oauth-client-attestation+jwt', ...(x5c !== undefined ? { x5c } : {}) })}.${b64({ cnf: { jwk: publicJwk }, ...p })}.AAAA`);
    const pop = fc
      .record({ exp: time, iat: time, jti: fc.oneof(fc.string(), fc.anything()), aud: fc.oneof(fc.constant(issuer.baseUrl), fc.string()), iss: fc.string(), nonce: fc.anything() }, { requiredKeys: [] })
      .map((p) => `${b64({ alg: 'ES256', typ: 'oauth-client-attestation-pop+jwt' })}.${b64(p)}.AAAA`);
    await fc.assert(
      fc.asyncProperty(attestation, pop, fc.constantFrom('token', 'par'), async (a, p, endpoint) => {
        const body = endpoint === 'token' ? `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=abc` : `client_id=${CLIENT_ID}&response_type=code`;
        const headers = { 'content-type': FORM, 'oauth-client-attestation': a, 'oauth-client-attestation-pop': p };
        await expectSpecError(t, `${endpoint}_attestation`, await fetch(`${issuer.baseUrl}/${endpoint}`, { method: 'POST', headers, body }));
      }),
      { numRuns: RUNS },
    );
  });

  it('credential endpoint: a DPoP-bound token with random DPoP proofs and authorization schemes', async () => {
    const key = await newHolderKey();
    const { code, pkce } = await obtainCode(issuer, { parDpopKey: key });
    const token = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(code, pkce.verifier), { dpop: await dpopProof(key, { htu: `${issuer.baseUrl}/token` }) });
    const accessToken: string = token.body.access_token;
    const signed = fc.record({ htm: fc.constantFrom('POST', 'GET'), htu: fc.constantFrom(`${issuer.baseUrl}/credential`, `${issuer.baseUrl}/token`, 'x'), ath: fc.boolean(), typ: fc.constantFrom('dpop+jwt', 'JWT') });
    await fc.assert(
      fc.asyncProperty(fc.oneof(headerJwtish, signed), fc.constantFrom('DPoP', 'Bearer', 'dpop', 'Basic'), async (proof, scheme) => {
        const dpop = typeof proof === 'string' ? proof : await dpopProof(key, { htm: proof.htm, htu: proof.htu, typ: proof.typ, accessToken, omitAth: !proof.ath });
        const headers = headersOf([['authorization', `${scheme} ${accessToken}`], ['content-type', 'application/json'], ['dpop', dpop || undefined]]);
        const res = await fetch(`${issuer.baseUrl}/credential`, { method: 'POST', headers, body: JSON.stringify({ credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: ['x'] } }) });
        await expectSpecError(t, 'credential_dpop', res);
      }),
      { numRuns: RUNS },
    );
  });

  it('deferred credential endpoint: random bodies and transaction ids with a valid token', async () => {
    const offer = await w.createOffer(issuer, { deferred: true });
    const token = await w.redeem(issuer, offer);
    const body = fc.oneof(
      fc.record({ transaction_id: fc.oneof(fc.string(), fc.anything()), credential_response_encryption: fc.anything() }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.json(),
      fc.string(),
      fc.integer({ min: 30, max: 20_000 }).map((n) => `{"transaction_id":${'['.repeat(n)}${']'.repeat(n)}}`),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'text/plain', ''), async (raw, type) => {
        const headers = headersOf([['authorization', `Bearer ${token}`], ['content-type', type || undefined]]);
        await expectSpecError(t, 'deferred_credential', await fetch(`${issuer.baseUrl}/deferred_credential`, { method: 'POST', headers, body: raw }));
      }),
      { numRuns: RUNS },
    );
  });

  it('notification endpoint (when present): random bodies with a valid token', async (ctx) => {
    const offer = await w.createOffer(issuer);
    const token = await w.redeem(issuer, offer);
    const probe = await fetch(`${issuer.baseUrl}/notification`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    await probe.arrayBuffer();
    if (probe.status === 404) return ctx.skip('no notification endpoint in this build');
    const body = fc.oneof(
      fc.record({ notification_id: fc.oneof(fc.string(), fc.anything()), event: fc.oneof(fc.constantFrom('credential_accepted', 'credential_failure', 'credential_deleted'), fc.string()), event_description: fc.anything() }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.string(),
      fc.integer({ min: 30, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    );
    await fc.assert(
      fc.asyncProperty(body, jwtish, async (raw, dpop) => {
        const headers = headersOf([['authorization', `Bearer ${token}`], ['content-type', 'application/json'], ['dpop', typeof dpop === 'string' && /^[\x20-\x7e]{1,8000}$/.test(dpop) ? dpop : undefined]]);
        await expectSpecError(t, 'notification', await fetch(`${issuer.baseUrl}/notification`, { method: 'POST', headers, body: raw }));
      }),
      { numRuns: RUNS },
    );
  });
});

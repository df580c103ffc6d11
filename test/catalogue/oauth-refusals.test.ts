import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { fixedClock } from '../../src/core/clock.js';
import { consentBody, parseConsentForm, type ConsentChoice } from '../helpers/consent-page.js';
import { startLab, type Lab, type Reply } from '../helpers/lab.js';
import { authorizationParams, CLIENT_ID, dpopProof, jkt, newHolderKey, newPkce, REDIRECT_URI } from '../helpers/oauth.js';
import { signProof, type HolderKey } from '../helpers/wallet.js';

/**
 * Catalogue coverage for the authorization code flow, refresh tokens and DPoP: each
 * refusal (or tolerated deviation) is triggered with a hand-made request and asserted by the
 * diagnostic code logged for that request. In process with a fixed clock, so expiry needs no
 * waiting.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const clock = fixedClock(Date.now());
const iat = () => Math.floor(clock.nowMs() / 1000);
let lab: Lab;
before(async () => {
  lab = await startLab({}, clock);
});
after(async () => {
  await lab.close();
});

async function codesOf(res: Reply, sessionId?: string): Promise<string[]> {
  return lab.requestCodes(res.headers['x-request-id'], sessionId);
}

async function expectCode(res: Reply, code: string, sessionId?: string, status?: number): Promise<void> {
  if (status !== undefined) assert.equal(res.status, status, JSON.stringify(res.body));
  assert.ok((await codesOf(res, sessionId)).includes(code), `${code} logged (status ${res.status})`);
}

async function authOffer(extra: Record<string, unknown> = {}) {
  const offer = await lab.offer({ grants: { authorization_code: true }, ...extra });
  return { offer, issuerState: offer.credential_offer.grants.authorization_code.issuer_state as string, sessionId: offer.session_id as string };
}

const dpop = (key: HolderKey, htu: string, extra: { accessToken?: string; nonce?: string } = {}) => dpopProof(key, { htu: `${lab.issuer}${htu}`, iat: iat(), ...extra });

async function par(form: Record<string, string>, headers: Record<string, string> = {}) {
  return lab.form('/par', form, headers);
}

const openPage = (requestUri: string, extra: Record<string, string> = {}) => lab.get(`/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: requestUri, ...extra })}`);

async function consent(pageHtml: string, choice: ConsentChoice = {}) {
  const form = parseConsentForm(pageHtml);
  return { form, res: await lab.form(new URL(form.action, lab.issuer).pathname, consentBody(form, choice).toString()) };
}

/** Offer → PAR (DPoP-bound when a key is given) → page → consent → code. */
async function obtainCode(dpopKey?: HolderKey) {
  const { offer, issuerState, sessionId } = await authOffer();
  const pkce = newPkce();
  const pushed = await par(authorizationParams(issuerState, pkce.challenge), dpopKey ? { dpop: await dpop(dpopKey, '/par') } : {});
  assert.equal(pushed.status, 201, pushed.text);
  const page = await openPage(pushed.body.request_uri);
  assert.equal(page.status, 200);
  const { res } = await consent(page.text);
  assert.equal(res.status, 303, res.text);
  const code = new URL(String(res.headers.location)).searchParams.get('code')!;
  return { offer, sessionId, pkce, code };
}

const codeForm = (code: string, verifier: string, extra: Record<string, string> = {}) => ({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, ...extra });

describe('pushed authorization request: parameter checks', () => {
  const cases: [string, string, (p: Record<string, string>) => Record<string, string>][] = [
    ['authorize.client_id.missing', 'invalid_request', ({ client_id: _c, ...p }) => p],
    ['authorize.redirect_uri.missing', 'invalid_request', ({ redirect_uri: _r, ...p }) => p],
    ['authorize.redirect_uri.invalid', 'invalid_request', (p) => ({ ...p, redirect_uri: 'javascript:alert(1)' })],
    ['authorize.response_type.unsupported', 'unsupported_response_type', (p) => ({ ...p, response_type: 'token' })],
    ['authorize.pkce.challenge_malformed', 'invalid_request', (p) => ({ ...p, code_challenge: 'too-short' })],
    ['authorize.issuer_state.missing', 'invalid_request', ({ issuer_state: _s, ...p }) => p],
    ['authorize.issuer_state.unknown', 'invalid_request', (p) => ({ ...p, issuer_state: 'not-an-issuer-state' })],
    ['authorize.scope.not_offered', 'invalid_scope', (p) => ({ ...p, scope: 'org.iso.18013.5.1.mDL' })],
    ['authorize.authorization_details.malformed', 'invalid_authorization_details', (p) => ({ ...p, authorization_details: '{not json' })],
    ['authorize.authorization_details.not_offered', 'invalid_authorization_details', (p) => ({ ...p, authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: 'org.iso.18013.5.1.mDL' }]) })],
    ['authorize.authorization_details.locations', 'invalid_authorization_details', (p) => ({ ...p, authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: SD_JWT, locations: ['https://other.example'] }]) })],
    ['authorize.resource.mismatch', 'invalid_target', (p) => ({ ...p, resource: 'https://other.example' })],
    ['authorize.request_object.unsupported', 'request_not_supported', (p) => ({ ...p, request: 'eyJhbGciOiJub25lIn0.e30.' })],
    ['authorize.dpop_jkt.malformed', 'invalid_request', (p) => ({ ...p, dpop_jkt: 'not-a-thumbprint' })],
    ['par.request_uri.forbidden', 'invalid_request', (p) => ({ ...p, request_uri: 'urn:ietf:params:oauth:request_uri:x' })],
  ];
  for (const [code, error, change] of cases) {
    it(`${code}: ${error}`, async () => {
      const { issuerState, sessionId } = await authOffer();
      const res = await par(change(authorizationParams(issuerState, newPkce().challenge)));
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.error, error);
      await expectCode(res, code, sessionId);
    });
  }

  it('authorize.parameter.duplicated: a parameter sent twice', async () => {
    const { issuerState, sessionId } = await authOffer();
    const body = `${new URLSearchParams(authorizationParams(issuerState, newPkce().challenge))}&scope=${SD_JWT}`;
    const res = await par(body as unknown as Record<string, string>);
    await expectCode(res, 'authorize.parameter.duplicated', sessionId, 400);
  });

  it('authorize.scope.ignored and authorize.credentials.defaulted: served with warnings', async () => {
    const a = await authOffer();
    const unknownScope = await par(authorizationParams(a.issuerState, newPkce().challenge, { scope: `not.a.scope ${SD_JWT}` }));
    await expectCode(unknownScope, 'authorize.scope.ignored', a.sessionId, 201);
    const b = await authOffer();
    const { scope: _s, ...noScope } = authorizationParams(b.issuerState, newPkce().challenge);
    await expectCode(await par(noScope), 'authorize.credentials.defaulted', b.sessionId, 201);
  });

  it('authorize.dpop_jkt.mismatch: dpop_jkt of one key, DPoP proof of another', async () => {
    const { issuerState, sessionId } = await authOffer();
    const res = await par(authorizationParams(issuerState, newPkce().challenge, { dpop_jkt: await jkt(await newHolderKey()) }), { dpop: await dpop(await newHolderKey(), '/par') });
    await expectCode(res, 'authorize.dpop_jkt.mismatch', sessionId, 400);
  });

  it('authorize.issuer_state.expired and authorize.issuer_state.redeemed', async () => {
    const short = await authOffer({ expires_in: 30 });
    clock.advance(31_000);
    await expectCode(await par(authorizationParams(short.issuerState, newPkce().challenge)), 'authorize.issuer_state.expired', short.sessionId, 400);
    const both = await authOffer({ grants: { authorization_code: true, pre_authorized_code: true } });
    assert.equal((await lab.redeem(both.offer)).status, 200);
    await expectCode(await par(authorizationParams(both.issuerState, newPkce().challenge)), 'authorize.issuer_state.redeemed', both.sessionId, 400);
  });
});

describe('authorization endpoint with request_uri', () => {
  async function pushed() {
    const { issuerState, sessionId } = await authOffer();
    const res = await par(authorizationParams(issuerState, newPkce().challenge));
    return { requestUri: res.body.request_uri as string, sessionId };
  }

  it('authorize.request_uri.unknown: not issued here (other prefix) or unknown', async () => {
    await expectCode(await openPage('https://elsewhere.example/ru'), 'authorize.request_uri.unknown', undefined, 400);
    await expectCode(await openPage('urn:ietf:params:oauth:request_uri:never-pushed'), 'authorize.request_uri.unknown', undefined, 400);
  });

  it('authorize.request_uri.used, authorize.request_uri.client_mismatch and authorize.request_uri.expired', async () => {
    const a = await pushed();
    assert.equal((await openPage(a.requestUri)).status, 200);
    await expectCode(await openPage(a.requestUri), 'authorize.request_uri.used', a.sessionId, 400);
    const b = await pushed();
    await expectCode(await lab.get(`/authorize?${new URLSearchParams({ client_id: 'another-wallet', request_uri: b.requestUri })}`), 'authorize.request_uri.client_mismatch', b.sessionId);
    const c = await pushed();
    clock.advance((lab.deps.config.oauth.parTtlSeconds + 1) * 1000);
    await expectCode(await openPage(c.requestUri), 'authorize.request_uri.expired', c.sessionId, 400);
  });

  it('authorize.request_uri.extra_parameters: ignored with a warning', async () => {
    const a = await pushed();
    await expectCode(await openPage(a.requestUri, { scope: 'x' }), 'authorize.request_uri.extra_parameters', a.sessionId, 200);
  });
});

describe('consent form', () => {
  async function page() {
    const { issuerState, sessionId } = await authOffer();
    const res = await par(authorizationParams(issuerState, newPkce().challenge));
    return { html: (await openPage(res.body.request_uri)).text, sessionId };
  }

  it('consent.authorization.unknown, consent.authorization.decided and consent.authorization.expired', async () => {
    const a = await page();
    const { res: unknown } = await consent(a.html, { override: { authorization_request_id: 'azr_not_pending' } });
    await expectCode(unknown, 'consent.authorization.unknown');
    const { res: first } = await consent(a.html);
    assert.equal(first.status, 303);
    const { res: second } = await consent(a.html);
    await expectCode(second, 'consent.authorization.decided', a.sessionId);
    const b = await page();
    clock.advance((lab.deps.config.oauth.authorizationTtlSeconds + 1) * 1000);
    await expectCode((await consent(b.html)).res, 'consent.authorization.expired', b.sessionId);
  });

  it('consent.claims.invalid: edited claims that do not fit keep the page open', async () => {
    const a = await page();
    const { res } = await consent(a.html, { persona: { [SD_JWT]: 'custom' }, claims: { [SD_JWT]: { given_name: 42 } } });
    assert.equal(res.status, 400, res.text.slice(0, 300));
    await expectCode(res, 'consent.claims.invalid', a.sessionId);
  });
});

describe('token endpoint: authorization_code grant', () => {
  it('token.code.missing, token.code.unknown and token.code.expired', async () => {
    await expectCode(await lab.token({ grant_type: 'authorization_code', code_verifier: 'x', redirect_uri: REDIRECT_URI, client_id: CLIENT_ID }), 'token.code.missing', undefined, 400);
    await expectCode(await lab.token(codeForm('not-a-code', newPkce().verifier)), 'token.code.unknown', undefined, 400);
    const f = await obtainCode();
    clock.advance((lab.deps.config.oauth.authorizationCodeTtlSeconds + 1) * 1000);
    await expectCode(await lab.token(codeForm(f.code, f.pkce.verifier)), 'token.code.expired', f.sessionId, 400);
  });

  it('token.client_id.missing/mismatch, token.redirect_uri.missing/mismatch, token.code_verifier.missing/malformed', async () => {
    const f = await obtainCode();
    const { client_id: _c, ...noClient } = codeForm(f.code, f.pkce.verifier);
    await expectCode(await lab.token(noClient), 'token.client_id.missing', f.sessionId, 400);
    await expectCode(await lab.token(codeForm(f.code, f.pkce.verifier, { client_id: 'another-wallet' })), 'token.client_id.mismatch', f.sessionId, 400);
    const { redirect_uri: _r, ...noRedirect } = codeForm(f.code, f.pkce.verifier);
    await expectCode(await lab.token(noRedirect), 'token.redirect_uri.missing', f.sessionId, 400);
    await expectCode(await lab.token(codeForm(f.code, f.pkce.verifier, { redirect_uri: 'https://wallet.example.org/other' })), 'token.redirect_uri.mismatch', f.sessionId, 400);
    const { code_verifier: _v, ...noVerifier } = codeForm(f.code, f.pkce.verifier);
    await expectCode(await lab.token(noVerifier), 'token.code_verifier.missing', f.sessionId, 400);
    await expectCode(await lab.token(codeForm(f.code, 'short')), 'token.code_verifier.malformed', f.sessionId, 400);
    assert.equal((await lab.token(codeForm(f.code, f.pkce.verifier))).status, 200, 'none of that spent the code');
  });

  it('token.dpop.binding_mismatch: a code bound at PAR is redeemed with another DPoP key', async () => {
    const bound = await newHolderKey();
    const f = await obtainCode(bound);
    await expectCode(await lab.token(codeForm(f.code, f.pkce.verifier), { dpop: await dpop(await newHolderKey(), '/token') }), 'token.dpop.binding_mismatch', f.sessionId, 400);
  });

  it('dpop.proof.jti_missing: a DPoP proof without jti', async () => {
    const key = await newHolderKey();
    const proof = await new SignJWT({ htm: 'POST', htu: `${lab.issuer}/token` }).setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk }).setIssuedAt(iat()).sign(key.privateKey);
    // A code this issuer knows: an unknown one is refused before any DPoP proof is verified.
    const f = await obtainCode();
    await expectCode(await lab.token(codeForm(f.code, f.pkce.verifier), { dpop: proof }), 'dpop.proof.jti_missing', f.sessionId, 400);
  });
});

describe('token endpoint: refresh_token grant', () => {
  it('token.refresh_token.missing/unknown/dpop_required/dpop_mismatch/expired', async () => {
    const key = await newHolderKey();
    const f = await obtainCode(key);
    const tokens = await lab.token(codeForm(f.code, f.pkce.verifier), { dpop: await dpop(key, '/token') });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const refresh = tokens.body.refresh_token as string;
    assert.ok(refresh);
    const form = { grant_type: 'refresh_token', refresh_token: refresh, client_id: CLIENT_ID };
    await expectCode(await lab.token({ grant_type: 'refresh_token', client_id: CLIENT_ID }), 'token.refresh_token.missing', undefined, 400);
    await expectCode(await lab.token({ ...form, refresh_token: 'not-a-refresh-token' }), 'token.refresh_token.unknown', undefined, 400);
    await expectCode(await lab.token(form), 'token.refresh_token.dpop_required', f.sessionId, 400);
    await expectCode(await lab.token(form, { dpop: await dpop(await newHolderKey(), '/token') }), 'token.refresh_token.dpop_mismatch', f.sessionId, 400);
    clock.advance((lab.deps.config.oauth.refreshTokenTtlSeconds + 1) * 1000);
    await expectCode(await lab.token(form, { dpop: await dpop(key, '/token') }), 'token.refresh_token.expired', f.sessionId, 400);
  });
});

describe('credential endpoint: DPoP-bound and unbound tokens', () => {
  it('credential.token.dpop_as_bearer, credential.token.dpop_proof_missing, credential.token.dpop_key_mismatch; credential.token.dpop_unbound is a warning', async () => {
    const key = await newHolderKey();
    const offer = await lab.offer();
    const code = offer.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
    const token = await lab.token({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code }, { dpop: await dpop(key, '/token') });
    assert.equal(token.body.token_type, 'DPoP');
    const accessToken = token.body.access_token as string;
    const body = async () => ({ credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(await newHolderKey(), { aud: lab.issuer, nonce: await lab.nonce(), iat: iat() })] } });
    await expectCode(await lab.credential(accessToken, await body()), 'credential.token.dpop_as_bearer', offer.session_id, 401);
    await expectCode(await lab.credential(accessToken, await body(), { authorization: `DPoP ${accessToken}` }), 'credential.token.dpop_proof_missing', offer.session_id, 401);
    await expectCode(await lab.credential(accessToken, await body(), { authorization: `DPoP ${accessToken}`, dpop: await dpop(await newHolderKey(), '/credential', { accessToken }) }), 'credential.token.dpop_key_mismatch', offer.session_id, 401);

    const plain = await lab.offer();
    const bearer = (await lab.redeem(plain)).body.access_token as string;
    const served = await lab.credential(bearer, await body(), { authorization: `DPoP ${bearer}`, dpop: await dpop(key, '/credential', { accessToken: bearer }) });
    await expectCode(served, 'credential.token.dpop_unbound', plain.session_id, 200);
  });
});

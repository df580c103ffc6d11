import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { openAuthorization, parseConsentForm, submitConsent } from '../helpers/consent-page.js';
import {
  authorizationCodeOffer,
  authorizationParams,
  CLIENT_ID,
  codeTokenForm,
  dpopProof,
  jkt,
  newHolderKey,
  newPkce,
  obtainCode,
  postForm,
} from '../helpers/oauth.js';

/**
 * Negative tests of the authorization code flow and DPoP, with hand-made requests against the
 * real server (defaults: PAR required, DPoP optional, no DPoP nonce). Each asserts the wire
 * error code and, where it matters, the diagnostic code on the session log.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const token = (form: Record<string, string>, headers: Record<string, string> = {}) => postForm(`${issuer.baseUrl}/token`, form, headers);
const tokenUrl = () => `${issuer.baseUrl}/token`;
const credentialUrl = () => `${issuer.baseUrl}/credential`;

async function logCodes(sessionId: string): Promise<string[]> {
  const res = await admin(issuer, 'GET', `/sessions/${sessionId}/logs?limit=500`);
  return res.body.logs.map((l: any) => l.data?.code).filter(Boolean);
}

/** A pre-authorized token bound to `key` (DPoP at the token endpoint works for every grant). */
async function boundPreAuthorizedToken(key: Awaited<ReturnType<typeof newHolderKey>>) {
  const offer = await w.createOffer(issuer);
  const res = await token(
    { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) },
    { dpop: await dpopProof(key, { htu: tokenUrl() }) },
  );
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.token_type, 'DPoP');
  return { offer, accessToken: res.body.access_token as string };
}

async function credentialWith(accessToken: string, headers: Record<string, string>) {
  return w.credentialRequest(issuer, accessToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt' }, headers);
}

describe('token endpoint: authorization_code grant', () => {
  it('returns invalid_grant for a wrong code_verifier, and the code stays redeemable with the right one', async () => {
    const { code, pkce, offer } = await obtainCode(issuer);
    const wrong = await token(codeTokenForm(code, newPkce().verifier));
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    const right = await token(codeTokenForm(code, pkce.verifier));
    assert.equal(right.status, 200);
    assert.equal(right.body.token_type, 'Bearer');
    assert.ok(right.body.refresh_token);
    assert.ok((await logCodes(offer.session_id)).includes('token.code_verifier.mismatch'));
  });

  it('returns invalid_grant for a reused code and revokes the refresh tokens issued for it', async () => {
    const { code, pkce, offer } = await obtainCode(issuer);
    const first = await token(codeTokenForm(code, pkce.verifier));
    assert.equal(first.status, 200);
    const again = await token(codeTokenForm(code, pkce.verifier));
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: CLIENT_ID });
    assert.equal(refresh.body.error, 'invalid_grant');
    const codes = await logCodes(offer.session_id);
    assert.ok(codes.includes('token.code.reused'));
    assert.ok(codes.includes('token.refresh_token.revoked'));
  });

  it('returns invalid_grant when redirect_uri differs from the authorization request', async () => {
    const { code, pkce } = await obtainCode(issuer);
    const res = await token(codeTokenForm(code, pkce.verifier, { redirect_uri: 'https://wallet.example.org/other' }));
    assert.equal(res.body.error, 'invalid_grant');
  });

  it('returns invalid_request without code_verifier and invalid_grant for another client_id', async () => {
    const { code, pkce } = await obtainCode(issuer);
    const form = codeTokenForm(code, pkce.verifier);
    delete (form as Record<string, string | undefined>).code_verifier;
    assert.equal((await token(form)).body.error, 'invalid_request');
    assert.equal((await token(codeTokenForm(code, pkce.verifier, { client_id: 'someone-else' }))).body.error, 'invalid_grant');
  });

  it('a code bound to a DPoP key at PAR needs a proof of that key: invalid_dpop_proof without, invalid_grant with another', async () => {
    const parKey = await newHolderKey();
    const { code, pkce } = await obtainCode(issuer, { parDpopKey: parKey });
    const none = await token(codeTokenForm(code, pkce.verifier));
    assert.equal(none.body.error, 'invalid_dpop_proof');
    const other = await token(codeTokenForm(code, pkce.verifier), { dpop: await dpopProof(await newHolderKey(), { htu: tokenUrl() }) });
    assert.equal(other.body.error, 'invalid_grant');
    const right = await token(codeTokenForm(code, pkce.verifier), { dpop: await dpopProof(parKey, { htu: tokenUrl() }) });
    assert.equal(right.status, 200);
    assert.equal(right.body.token_type, 'DPoP');
  });
});

describe('PAR and the authorization endpoint', () => {
  it('shows invalid_request on the error page, not at the unverified redirect_uri, when PAR is required but the request was not pushed', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const params = authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge);
    const page = await openAuthorization(`${issuer.baseUrl}/authorize?${new URLSearchParams(params)}`);
    assert.equal(page.status, 400);
    assert.equal(page.location, null);
    assert.match(page.html, /invalid_request/);
    assert.ok((await logCodes(offer.session_id)).includes('authorize.par.required'));
  });

  it('shows an error page, never a redirect, for a redirect_uri outside the policy', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const issuerState = offer.credential_offer.grants.authorization_code.issuer_state;
    for (const bad of ['http://wallet.example.org/cb', 'https://wallet.example.org/cb#frag', 'javascript:alert(1)', 'cb']) {
      const page = await openAuthorization(`${issuer.baseUrl}/authorize?${new URLSearchParams(authorizationParams(issuerState, newPkce().challenge, { redirect_uri: bad }))}`);
      assert.equal(page.status, 400, bad);
      assert.equal(page.location, null);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.ok(!page.html.includes('<script'), 'no script in the error page');
      const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(issuerState, newPkce().challenge, { redirect_uri: bad }));
      assert.equal(par.body.error, 'invalid_request', bad);
    }
    // Loopback http and private-use schemes are fine.
    for (const good of ['http://127.0.0.1:4567/cb', 'com.example.wallet:/callback']) {
      const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(issuerState, newPkce().challenge, { redirect_uri: good }));
      assert.equal(par.status, 201, good);
    }
  });

  it('refuses plain PKCE, a missing code_challenge, request_uri in PAR and unknown issuer_state with invalid_request', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const issuerState = offer.credential_offer.grants.authorization_code.issuer_state;
    const { verifier } = newPkce();
    const plain = await postForm(`${issuer.baseUrl}/par`, authorizationParams(issuerState, verifier, { code_challenge_method: 'plain' }));
    assert.equal(plain.status, 400);
    assert.equal(plain.body.error, 'invalid_request');
    const noChallenge = authorizationParams(issuerState, verifier);
    delete (noChallenge as Record<string, string | undefined>).code_challenge;
    assert.equal((await postForm(`${issuer.baseUrl}/par`, noChallenge)).body.error, 'invalid_request');
    assert.equal((await postForm(`${issuer.baseUrl}/par`, authorizationParams(issuerState, newPkce().challenge, { request_uri: 'urn:x' }))).body.error, 'invalid_request');
    assert.equal((await postForm(`${issuer.baseUrl}/par`, authorizationParams('not-an-issuer-state', newPkce().challenge))).body.error, 'invalid_request');
    const codes = await logCodes(offer.session_id);
    assert.ok(codes.includes('authorize.pkce.method_unsupported'));
    assert.ok(codes.includes('authorize.pkce.missing'));
  });

  it('treats request_uri as one-time: the second visit gets an invalid_request_uri page', async () => {
    const { authorizationUrl } = await obtainCode(issuer);
    const again = await openAuthorization(authorizationUrl);
    assert.equal(again.status, 400);
    assert.match(again.html, /invalid_request_uri/);
  });

  it('refuses a consent form with a wrong csrf_token (403 page) and redirects access_denied when the user denies', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const pkce = newPkce();
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, pkce.challenge));
    const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
    const page = await openAuthorization(url);
    const form = parseConsentForm(page.html);
    const forged = await submitConsent(url, form, { override: { csrf_token: 'forged' } });
    assert.equal(forged.status, 403);
    assert.equal(forged.location, null);
    const denied = await submitConsent(url, form, { decision: 'deny' });
    assert.equal(denied.status, 303);
    const location = new URL(denied.location!);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 'st-42');
    assert.equal(location.searchParams.get('iss'), issuer.baseUrl);
    // A decision is final: the same form cannot consent afterwards.
    assert.equal((await submitConsent(url, form)).status, 400);
    const codes = await logCodes(offer.session_id);
    assert.ok(codes.includes('consent.csrf.invalid'));
    assert.ok(codes.includes('consent.denied'));
  });

  it('keeps the page open with the problems when edited claims do not fit the configuration', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge));
    const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
    const form = parseConsentForm((await openAuthorization(url)).html);
    const id = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
    const bad = await submitConsent(url, form, { persona: { [id]: 'custom' }, claims: { [id]: { given_name: '<b>Eve</b>' } } });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /mandatory claim missing/);
    assert.ok(bad.html.includes('&lt;b&gt;Eve&lt;/b&gt;') && !bad.html.includes('<b>Eve</b>'), 'claims are escaped');
    const good = await submitConsent(url, parseConsentForm(bad.html), { persona: { [id]: 'sample' } });
    assert.equal(good.status, 303);
    assert.ok(new URL(good.location!).searchParams.get('code'));
  });
});

describe('DPoP proofs (RFC 9449)', () => {
  it('returns invalid_dpop_proof at the token endpoint for a wrong htu or htm, and for a replayed jti', async () => {
    const key = await newHolderKey();
    const offer = await w.createOffer(issuer);
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) };
    const htu = await token(form, { dpop: await dpopProof(key, { htu: `${issuer.baseUrl}/credential` }) });
    assert.equal(htu.status, 400);
    assert.equal(htu.body.error, 'invalid_dpop_proof');
    const htm = await token(form, { dpop: await dpopProof(key, { htu: tokenUrl(), htm: 'GET' }) });
    assert.equal(htm.body.error, 'invalid_dpop_proof');
    const typ = await token(form, { dpop: await dpopProof(key, { htu: tokenUrl(), typ: 'JWT' }) });
    assert.equal(typ.body.error, 'invalid_dpop_proof');
    // The refused requests did not burn the code: a good proof redeems it; replaying that proof fails.
    const proof = await dpopProof(key, { htu: `${tokenUrl()}?ignored=query` });
    assert.equal((await token(form, { dpop: proof })).status, 200);
    const other = await w.createOffer(issuer);
    const replay = await token({ ...form, 'pre-authorized_code': w.preAuthorizedCode(other) }, { dpop: proof });
    assert.equal(replay.body.error, 'invalid_dpop_proof');
    const codes = await logCodes(offer.session_id);
    for (const c of ['dpop.proof.htu', 'dpop.proof.htm', 'dpop.proof.typ']) assert.ok(codes.includes(c), c);
    assert.ok((await logCodes(other.session_id)).includes('dpop.proof.jti_replayed'));
  });

  it('answers use_dpop_nonce with a DPoP-Nonce header for a nonce this server did not issue', async () => {
    const offer = await w.createOffer(issuer);
    const res = await token(
      { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) },
      { dpop: await dpopProof(await newHolderKey(), { htu: tokenUrl(), nonce: 'made-up' }) },
    );
    assert.equal(res.body.error, 'use_dpop_nonce');
    assert.match(res.headers.get('dpop-nonce') ?? '', /^[0-9a-z]+\.[A-Za-z0-9_-]{22}$/);
  });

  it('credential endpoint: a bound token needs Authorization: DPoP with a proof of its key, carrying ath', async () => {
    const key = await newHolderKey();
    const { accessToken } = await boundPreAuthorizedToken(key);
    const asBearer = await credentialWith(accessToken, {});
    assert.equal(asBearer.status, 401);
    assert.equal(asBearer.body.error, 'invalid_token');
    assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_token", algs="ES256/);

    const withoutProof = await credentialWith(accessToken, { authorization: `DPoP ${accessToken}` });
    assert.equal(withoutProof.status, 401);
    assert.equal(withoutProof.body.error, 'invalid_dpop_proof');
    assert.match(withoutProof.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_dpop_proof"/);

    const noAth = await credentialWith(accessToken, { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(key, { htu: credentialUrl(), accessToken, omitAth: true }) });
    assert.equal(noAth.status, 401);
    assert.equal(noAth.body.error, 'invalid_dpop_proof');

    const otherKey = await credentialWith(accessToken, { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(await newHolderKey(), { htu: credentialUrl(), accessToken }) });
    assert.equal(otherKey.status, 401);
    assert.equal(otherKey.body.error, 'invalid_token');

    // The token and a right proof get past the token check (to the request checks: no proofs yet).
    const right = await credentialWith(accessToken, { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(key, { htu: credentialUrl(), accessToken }) });
    assert.equal(right.status, 400);
    assert.equal(right.body.error, 'invalid_proof');
  });

  it('require_dpop on an offer refuses a token request without DPoP, without burning the code', async () => {
    const offer = await w.createOffer(issuer, { require_dpop: true });
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) };
    const refused = await token(form);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_dpop_proof');
    const bound = await token(form, { dpop: await dpopProof(await newHolderKey(), { htu: tokenUrl() }) });
    assert.equal(bound.status, 200);
    assert.equal(bound.body.token_type, 'DPoP');
  });

  it('dpop_jkt at PAR must name the key of the PAR DPoP proof', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const key = await newHolderKey();
    const params = authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge, { dpop_jkt: await jkt(await newHolderKey()) });
    const res = await postForm(`${issuer.baseUrl}/par`, params, { dpop: await dpopProof(key, { htu: `${issuer.baseUrl}/par` }) });
    assert.equal(res.body.error, 'invalid_request');
  });
});

describe('PAR_REQUIRED=false, DPOP_REQUIRED=true', () => {
  let open: RunningIssuer;
  before(async () => {
    open = await startIssuer({ env: { PAR_REQUIRED: 'false', DPOP_REQUIRED: 'true' } });
  });
  after(async () => {
    await open.stop();
    open.cleanup();
  });

  it('serves a plain authorization request, and the token endpoint then insists on DPoP', async () => {
    const metadata = (await (await fetch(`${open.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata.require_pushed_authorization_requests, false);
    const res = await admin(open, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { authorization_code: true, pre_authorized_code: true } });
    assert.equal(res.status, 201);
    assert.ok(res.body.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code'], 'both grants offered');
    const pkce = newPkce();
    const url = `${open.baseUrl}/authorize?${new URLSearchParams(authorizationParams(res.body.credential_offer.grants.authorization_code.issuer_state, pkce.challenge))}`;
    const page = await openAuthorization(url);
    assert.equal(page.status, 200);
    const consent = await submitConsent(url, parseConsentForm(page.html));
    const code = new URL(consent.location!).searchParams.get('code')!;
    const form = codeTokenForm(code, pkce.verifier);
    const unbound = await postForm(`${open.baseUrl}/token`, form);
    assert.equal(unbound.body.error, 'invalid_dpop_proof');
    const bound = await postForm(`${open.baseUrl}/token`, form, { dpop: await dpopProof(await newHolderKey(), { htu: `${open.baseUrl}/token` }) });
    assert.equal(bound.status, 200);
    assert.equal(bound.body.token_type, 'DPoP');
    const session = await admin(open, 'GET', `/sessions/${res.body.session_id}`);
    assert.equal(session.body.grant_type, 'authorization_code');
    assert.equal(session.body.state, 'token_exchanged');
  });
});

describe('consent and deferred issuance', () => {
  it('a deferred offer preselects "supply the claims later"; consenting so leaves the claims to the operator (202 transaction_id)', async () => {
    const { code, pkce, offer } = await obtainCode(issuer, { offer: { deferred: true } });
    const session = await admin(issuer, 'GET', `/sessions/${offer.session_id}`);
    assert.deepEqual(session.body.options.claims_supplied_for, []);
    assert.equal(session.body.events.find((e: any) => e.type === 'authorization_granted').details.claims['eu.europa.ec.eudi.pid_vc_sd_jwt'], 'deferred');
    const tokens = await token(codeTokenForm(code, pkce.verifier));
    const holder = await newHolderKey();
    const proof = await w.signProof(holder, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, tokens.body.access_token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [proof] } });
    assert.equal(res.status, 202, res.text);
    assert.ok(res.body.transaction_id);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { Decoder } from 'cbor-x';
import type { JwtSignerJwk } from '@openid4vc/oauth2';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createTestWallet, newWalletKey, type WalletKey } from '../helpers/openid4vc-wallet.js';
import { consentThroughPage } from '../helpers/consent-page.js';

/**
 * Authorization code flow with PAR, PKCE (S256) and DPoP, driven by the real
 * `@openid4vc/openid4vci` 0.4.6 wallet client against the real issuer process; the person's
 * part (login/consent page) is done with plain HTTP. DPOP_NONCE_REQUIRED is on, so the
 * library's `use_dpop_nonce` retry runs at PAR and at the credential endpoint.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const MDOC = 'eu.europa.ec.eudi.pid_mdoc';
const CLIENT_ID = 'issuance-lab-test-wallet';
const REDIRECT_URI = 'https://wallet.example.org/callback';

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer({ env: { DPOP_NONCE_REQUIRED: 'true' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const signerOf = (key: WalletKey): JwtSignerJwk => ({ method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' });

async function authorizationCodeOffer(configurationId: string, extra: Record<string, unknown> = {}) {
  const res = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [configurationId], grants: { authorization_code: true }, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { session_id: string; offer_url: string; credential_offer: any };
}

/** Everything up to the access token, through the library; the consent step by plain HTTP. */
async function authorize(configurationId: string, opts: { scope?: string; authorizationDetails?: unknown[]; consent?: Parameters<typeof consentThroughPage>[1]; requireDpop?: boolean }) {
  const offer = await authorizationCodeOffer(configurationId, opts.requireDpop ? { require_dpop: true } : {});
  const holder = await newWalletKey();
  const dpopKey = await newWalletKey();
  const wallet = createTestWallet([holder, dpopKey], { clientId: CLIENT_ID });
  const { client } = wallet;
  const credentialOffer = await client.resolveCredentialOffer(offer.offer_url);
  assert.ok(credentialOffer.grants?.authorization_code?.issuer_state, 'the offer carries an issuer_state');
  assert.equal(credentialOffer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'], undefined);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const initiated = await client.initiateAuthorization({
    clientId: CLIENT_ID,
    credentialOffer,
    issuerMetadata,
    redirectUri: REDIRECT_URI,
    scope: opts.scope,
    dpop: { signer: signerOf(dpopKey) },
    // (Openid4vciClient.initiateAuthorization sends no state: its options.state overrides any extra one.)
    ...(opts.authorizationDetails ? { additionalRequestPayload: { authorization_details: opts.authorizationDetails } } : {}),
  });
  assert.equal(initiated.authorizationFlow, 'Oauth2Redirect');
  if (initiated.authorizationFlow !== 'Oauth2Redirect') throw new Error('unreachable');
  assert.match(initiated.authorizationRequestUrl, /\/authorize\?request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A.+&client_id=/);
  const parDpop = (initiated as unknown as { dpop?: { nonce?: string } }).dpop;

  const location = await consentThroughPage(initiated.authorizationRequestUrl, opts.consent);
  assert.ok(location.startsWith(`${REDIRECT_URI}?`), location);
  const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({ url: location, authorizationServerMetadata: issuerMetadata.authorizationServers[0] });
  assert.equal(response.iss, issuer.baseUrl);
  assert.ok(response.code);

  const token = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    authorizationCode: response.code!,
    pkceCodeVerifier: initiated.pkce!.codeVerifier,
    redirectUri: REDIRECT_URI,
    dpop: { signer: signerOf(dpopKey), nonce: parDpop?.nonce },
  });
  return { offer, wallet, holder, dpopKey, credentialOffer, issuerMetadata, token, code: response.code! };
}

function sdJwtClaims(compact: string): Record<string, unknown> {
  const [jwt, ...disclosures] = compact.split('~');
  const claims: Record<string, unknown> = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
  for (const d of disclosures.filter(Boolean)) {
    const decoded = JSON.parse(Buffer.from(d, 'base64url').toString('utf8'));
    if (decoded.length === 3) claims[decoded[1]] = decoded[2];
  }
  return claims;
}

function mdocElements(credential: string): Record<string, Record<string, unknown>> {
  const decoder = new Decoder({ mapsAsObjects: true, tagUint8Array: false } as never);
  const issuerSigned = decoder.decode(Buffer.from(credential, 'base64url')) as { nameSpaces: Record<string, { value: Uint8Array }[]> };
  const out: Record<string, Record<string, unknown>> = {};
  for (const [ns, items] of Object.entries(issuerSigned.nameSpaces)) {
    out[ns] = {};
    for (const item of items) {
      const bytes = (item as unknown as { value?: Uint8Array }).value ?? (item as unknown as Uint8Array);
      const decoded = decoder.decode(bytes) as { elementIdentifier: string; elementValue: unknown };
      out[ns][decoded.elementIdentifier] = decoded.elementValue;
    }
  }
  return out;
}

async function session(id: string) {
  const res = await admin(issuer, 'GET', `/sessions/${id}`);
  assert.equal(res.status, 200);
  return res.body as { state: string; grant_type: string; events: { type: string; details: any }[]; logs: { data: any }[] };
}

describe('authorization code flow: PAR + PKCE + DPoP through @openid4vc/openid4vci', () => {
  it('advertises the flow in the authorization server metadata', async () => {
    const res = await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`);
    const md = (await res.json()) as Record<string, any>;
    assert.equal(md.authorization_endpoint, `${issuer.baseUrl}/authorize`);
    assert.equal(md.pushed_authorization_request_endpoint, `${issuer.baseUrl}/par`);
    assert.equal(md.require_pushed_authorization_requests, true);
    assert.deepEqual(md.response_types_supported, ['code']);
    assert.deepEqual(md.code_challenge_methods_supported, ['S256']);
    assert.equal(md.authorization_response_iss_parameter_supported, true);
    assert.ok(md.dpop_signing_alg_values_supported.includes('ES256'));
    for (const g of ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:pre-authorized_code']) assert.ok(md.grant_types_supported.includes(g), g);
  });

  it('SD-JWT by scope: edited claims on the consent page, DPoP nonce retry, DPoP-bound token and credential, refresh rotation', async () => {
    const flow = await authorize(SD_JWT, {
      scope: SD_JWT,
      requireDpop: true,
      consent: {
        persona: { [SD_JWT]: 'custom' },
        editClaims: { [SD_JWT]: (shown) => ({ ...shown, given_name: 'Ada', family_name: 'Lovelace' }) },
      },
    });
    const { client } = flow.wallet;
    // The library met use_dpop_nonce at PAR and retried with the DPoP-Nonce it was given.
    const pars = flow.wallet.requests.filter((r) => r.url.endsWith('/par'));
    assert.deepEqual(pars.map((r) => r.status), [400, 201]);

    const token = flow.token.accessTokenResponse;
    assert.equal(token.token_type, 'DPoP');
    assert.ok(token.refresh_token);
    assert.equal(token.scope, SD_JWT);
    assert.equal(token.authorization_details, undefined, '§6.2: scope requests get no authorization_details');

    const { c_nonce } = await client.requestNonce({ issuerMetadata: flow.issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata: flow.issuerMetadata, credentialConfigurationId: SD_JWT, signer: signerOf(flow.holder), nonce: c_nonce });
    const credentialResponse = await client.retrieveCredentials({
      issuerMetadata: flow.issuerMetadata,
      accessToken: token.access_token,
      credentialConfigurationId: SD_JWT,
      proofs: { jwt: [jwt] },
      dpop: { signer: signerOf(flow.dpopKey), nonce: flow.token.dpop?.nonce },
    });
    const credential = (credentialResponse.credentialResponse.credentials![0] as { credential: string }).credential;
    const claims = sdJwtClaims(credential);
    assert.equal(claims.given_name, 'Ada');
    assert.equal(claims.family_name, 'Lovelace');
    assert.equal(await calculateJwkThumbprint((claims.cnf as any).jwk), await calculateJwkThumbprint(flow.holder.publicJwk));

    const s = await session(flow.offer.session_id);
    assert.equal(s.grant_type, 'authorization_code');
    assert.equal(s.state, 'credential_issued');
    const types = s.events.map((e) => e.type);
    for (const t of ['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted', 'token_exchanged', 'credential_issued']) assert.ok(types.includes(t), t);
    assert.equal(s.events.find((e) => e.type === 'authorization_granted')!.details.claims[SD_JWT], 'custom');
    assert.equal(s.events.find((e) => e.type === 'token_exchanged')!.details.token_type, 'DPoP');
    // The nonce retry is on the session log with its diagnostic.
    assert.ok(s.logs.some((l) => l.data?.code === 'dpop.nonce.missing'));
    // No secret of the flow reaches the admin view in clear.
    const view = JSON.stringify(await admin(issuer, 'GET', `/sessions/${flow.offer.session_id}`));
    for (const secret of [flow.code, token.access_token, token.refresh_token!, flow.credentialOffer.grants!.authorization_code!.issuer_state!]) {
      assert.ok(!view.includes(secret), 'secret in the session view');
    }

    // Refresh: rotation through the library; the old refresh token then revokes the family.
    const asMetadata = flow.issuerMetadata.authorizationServers[0];
    const refreshed = await flow.wallet.oauth2.retrieveRefreshTokenAccessToken({
      authorizationServerMetadata: asMetadata,
      refreshToken: token.refresh_token!,
      resource: flow.issuerMetadata.credentialIssuer.credential_issuer,
      dpop: { signer: signerOf(flow.dpopKey), nonce: flow.token.dpop?.nonce },
    });
    assert.equal(refreshed.accessTokenResponse.token_type, 'DPoP');
    const next = refreshed.accessTokenResponse.refresh_token!;
    assert.ok(next && next !== token.refresh_token);
    await assert.rejects(
      flow.wallet.oauth2.retrieveRefreshTokenAccessToken({ authorizationServerMetadata: asMetadata, refreshToken: token.refresh_token!, dpop: { signer: signerOf(flow.dpopKey), nonce: refreshed.dpop?.nonce } }),
      (err: any) => err.errorResponse?.error === 'invalid_grant',
    );
    await assert.rejects(
      flow.wallet.oauth2.retrieveRefreshTokenAccessToken({ authorizationServerMetadata: asMetadata, refreshToken: next, dpop: { signer: signerOf(flow.dpopKey), nonce: refreshed.dpop?.nonce } }),
      (err: any) => err.errorResponse?.error === 'invalid_grant',
    );
    const after = await session(flow.offer.session_id);
    assert.ok(after.events.some((e) => e.type === 'token_refreshed'));
    assert.ok(after.events.some((e) => e.type === 'refresh_tokens_revoked'));
    const codes = after.logs.map((l) => l.data?.code);
    assert.ok(codes.includes('token.refresh_token.reused'));
    assert.ok(codes.includes('token.refresh_token.revoked'));
  });

  it('mdoc by authorization_details: sample persona, credential_identifiers in the token response, nonce retry at the credential endpoint', async () => {
    const flow = await authorize(MDOC, {
      authorizationDetails: [{ type: 'openid_credential', credential_configuration_id: MDOC }],
      consent: { persona: { [MDOC]: 'sample' } },
    });
    const token = flow.token.accessTokenResponse;
    assert.equal(token.token_type, 'DPoP');
    const details = token.authorization_details as { credential_configuration_id: string; credential_identifiers: string[] }[];
    assert.equal(details[0].credential_configuration_id, MDOC);
    assert.equal(details[0].credential_identifiers.length, 1);

    const { client } = flow.wallet;
    const { c_nonce } = await client.requestNonce({ issuerMetadata: flow.issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata: flow.issuerMetadata, credentialConfigurationId: MDOC, signer: signerOf(flow.holder), nonce: c_nonce });
    // No DPoP nonce: the credential endpoint answers 401 use_dpop_nonce and the library retries.
    const res = await client.retrieveCredentials({
      issuerMetadata: flow.issuerMetadata,
      accessToken: token.access_token,
      credentialConfigurationId: MDOC,
      proofs: { jwt: [jwt] },
      dpop: { signer: signerOf(flow.dpopKey) },
    });
    const posts = flow.wallet.requests.filter((r) => r.url.endsWith('/credential'));
    assert.deepEqual(posts.map((r) => r.status), [401, 200]);
    const elements = mdocElements((res.credentialResponse.credentials![0] as { credential: string }).credential);
    const sample = (await admin(issuer, 'GET', `/sessions/${flow.offer.session_id}`)).body;
    assert.ok(sample.events.some((e: any) => e.type === 'credential_issued'));
    assert.equal(elements['eu.europa.ec.eudi.pid.1'].family_name, 'Mustermann');
  });
});

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientAuthenticationClientAttestationJwt } from '@openid4vc/oauth2';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createOffer, newHolderKey, preAuthorizedCode, tokenRequest, type HolderKey } from '../helpers/wallet.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';
import { attestationPop, newAttester, trustList, walletAttestation, type Attester } from '../helpers/attestation.js';

/**
 * Wallet attestation as client authentication (ABCA -07, OID4VCI 1.0 App. E) at the token
 * endpoint and PAR, over HTTP against the real server: the library flow, then one failure per
 * check, in playground and in strict mode.
 */

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const CLIENT_ID = 'https://wallet.example/test-wallet';

let trusted: Attester;
let unknown: Attester;

async function sessionOf(issuer: RunningIssuer, id: string) {
  return (await admin(issuer, 'GET', `/sessions/${id}`)).body as { state: string; logs: { level: string; message: string; data: any }[]; events: { type: string }[] };
}

const diagnostics = (logs: { data: any }[]) => logs.map((l) => l.data?.code).filter(Boolean) as string[];

async function headersFor(issuer: RunningIssuer, attester: Attester, instance: HolderKey, opts: { attestation?: Parameters<typeof walletAttestation>[1]; pop?: Partial<Parameters<typeof attestationPop>[1]> } = {}) {
  return {
    'OAuth-Client-Attestation': await walletAttestation(attester, { sub: CLIENT_ID, instanceKey: instance, ...opts.attestation }),
    'OAuth-Client-Attestation-PoP': await attestationPop(instance, { aud: issuer.baseUrl, iss: CLIENT_ID, ...opts.pop }),
  };
}

async function preAuthForm(issuer: RunningIssuer, offerBody: Record<string, unknown> = {}) {
  const offer = await createOffer(issuer, offerBody);
  return { offer, form: { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) } };
}

before(async () => {
  trusted = await newAttester('trusted-provider.test');
  unknown = await newAttester('unknown-provider.test');
});

describe('wallet attestation, playground mode (default)', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { WALLET_ATTESTATION_TRUST: trustList({ roots: [trusted], keys: [trusted] }) } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('advertises attest_jwt_client_auth and the attestation algorithms (ABCA -07 §10.1)', async () => {
    const as = (await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, any>;
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['attest_jwt_client_auth', 'none']);
    assert.ok(as.client_attestation_signing_alg_values_supported.includes('ES256'));
    assert.ok(as.client_attestation_pop_signing_alg_values_supported.includes('ES256'));
    assert.equal(as['pre-authorized_grant_anonymous_access_supported'], true);
    assert.equal(as.challenge_endpoint, undefined, 'no challenges: freshness by iat + jti');
  });

  it('full pre-authorized flow through @openid4vc/openid4vci with a wallet attestation, required by the offer', async () => {
    const instance = await newWalletKey();
    const attestationJwt = await walletAttestation(trusted, { sub: CLIENT_ID, instanceKey: instance });
    const wallet = createTestWallet([instance], { clientAuthentication: (cb) => clientAuthenticationClientAttestationJwt({ clientAttestationJwt: attestationJwt, callbacks: cb }) });
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], require_wallet_attestation: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const credentialOffer = await wallet.client.resolveCredentialOffer(created.body.offer_url);
    const issuerMetadata = await wallet.client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
    const { c_nonce } = await wallet.client.requestNonce({ issuerMetadata });
    const { jwt } = await wallet.client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: 'eu.europa.ec.eudi.pid_vc_sd_jwt', signer: { method: 'jwk', publicJwk: instance.publicJwk as never, alg: 'ES256' }, nonce: c_nonce, clientId: CLIENT_ID });
    const { credentialResponse } = await wallet.client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [jwt] } });
    assert.equal(credentialResponse.credentials?.length, 1);

    const session = await sessionOf(issuer, created.body.session_id);
    const verified = session.logs.find((l) => l.message.startsWith('Wallet attestation verified'));
    assert.ok(verified, 'the session log names the verified attestation');
    assert.equal(verified.data.client_id, CLIENT_ID);
    assert.equal(verified.data.trusted, true);
    assert.match(verified.data.trust, /trusted root/);
    // The proof carries iss = client_id: not anonymous any more, so no iss warning.
    assert.ok(!diagnostics(session.logs).includes('proof.jwt.iss_with_anonymous_grant'));
  });

  it('refuses a token request without attestation when the offer requires one, without burning the code (invalid_client)', async () => {
    const { offer, form } = await preAuthForm(issuer, { require_wallet_attestation: true });
    const res = await tokenRequest(issuer, form);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.missing'));
    const instance = await newHolderKey();
    assert.equal((await tokenRequest(issuer, form, await headersFor(issuer, trusted, instance))).status, 200);
  });

  it('accepts an attestation signed by an unknown provider with a warning saying what strict mode would refuse', async () => {
    const { offer, form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form, await headersFor(issuer, unknown, await newHolderKey()));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const warning = (await sessionOf(issuer, offer.session_id)).logs.find((l) => l.data?.code === 'client_attestation.untrusted');
    assert.ok(warning);
    assert.equal(warning.level, 'warning');
    assert.match(warning.data.reason, /strict mode would refuse/);
    assert.match(warning.data.reason, /none of the 1 trusted root/);
  });

  it('an attestation by a trust-list kid is trusted; a forged signature under that kid is refused', async () => {
    const instance = await newHolderKey();
    const { form } = await preAuthForm(issuer);
    assert.equal((await tokenRequest(issuer, form, await headersFor(issuer, trusted, instance, { attestation: { sub: CLIENT_ID, instanceKey: instance, via: 'kid' } }))).status, 200);
    const forged = await walletAttestation(unknown, { sub: CLIENT_ID, instanceKey: instance, via: 'kid', header: { kid: trusted.kid } });
    const second = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, second.form, { 'OAuth-Client-Attestation': forged, 'OAuth-Client-Attestation-PoP': await attestationPop(instance, { aud: issuer.baseUrl }) });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(diagnostics((await sessionOf(issuer, second.offer.session_id)).logs).includes('client_attestation.signature'));
  });

  const refusals: [string, string, (i: HolderKey, other: HolderKey) => Parameters<typeof headersFor>[3]][] = [
    ['PoP for another client (iss is not the attestation sub)', 'client_attestation.pop_issuer', () => ({ pop: { iss: 'https://other-wallet.example' } })],
    ['PoP signed by another key than cnf.jwk', 'client_attestation.pop_signature', (_i, other) => ({ pop: { iss: CLIENT_ID } , signWith: other } as never)],
    ['expired attestation', 'client_attestation.expired', (i) => ({ attestation: { sub: CLIENT_ID, instanceKey: i, exp: Math.floor(Date.now() / 1000) - 600 } })],
    ['PoP aud is the token endpoint, not the issuer', 'client_attestation.pop_audience', () => ({ pop: { aud: 'ENDPOINT' } })],
    ['stale PoP iat', 'client_attestation.pop_stale', () => ({ pop: { iat: Math.floor(Date.now() / 1000) - 3600 } })],
    ['wrong attestation typ', 'client_attestation.malformed', (i) => ({ attestation: { sub: CLIENT_ID, instanceKey: i, header: { typ: 'JWT' } } })],
    ['an x5c that is not a certificate', 'client_attestation.x5c_invalid', (i) => ({ attestation: { sub: CLIENT_ID, instanceKey: i, header: { x5c: ['bm90LWEtY2VydA=='] } } })],
    ['a PoP typed as a plain JWT', 'client_attestation.pop_malformed', () => ({ pop: { typ: 'JWT' } })],
  ];
  for (const [name, code, make] of refusals) {
    it(`refuses ${name} with invalid_client (${code})`, async () => {
      const instance = await newHolderKey();
      const other = await newHolderKey();
      const { offer, form } = await preAuthForm(issuer);
      const opts = make(instance, other) as Parameters<typeof headersFor>[3] & { signWith?: HolderKey };
      if (opts?.pop?.aud === 'ENDPOINT') opts.pop.aud = `${issuer.baseUrl}/token`;
      const headers = await headersFor(issuer, trusted, instance, opts);
      if (opts?.signWith) headers['OAuth-Client-Attestation-PoP'] = await attestationPop(opts.signWith, { aud: issuer.baseUrl, iss: CLIENT_ID });
      const res = await tokenRequest(issuer, form, headers);
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.body.error, 'invalid_client');
      assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes(code), `${code} in the session log`);
    });
  }

  it('refuses a replayed PoP (same jti and instance key), atomically through the replay table', async () => {
    const instance = await newHolderKey();
    const headers = await headersFor(issuer, trusted, instance);
    assert.equal((await tokenRequest(issuer, (await preAuthForm(issuer)).form, headers)).status, 200);
    const { offer, form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form, headers);
    assert.equal(res.status, 401);
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.pop_replayed'));
  });

  it('refuses a client_id that is not the attestation sub, and an incomplete header pair', async () => {
    const instance = await newHolderKey();
    const { offer, form } = await preAuthForm(issuer);
    const mismatch = await tokenRequest(issuer, { ...form, client_id: 'someone-else' }, await headersFor(issuer, trusted, instance));
    assert.equal(mismatch.status, 401);
    assert.match(mismatch.body.error_description, /not the wallet attestation sub/);
    const only = await tokenRequest(issuer, form, { 'OAuth-Client-Attestation': (await headersFor(issuer, trusted, instance))['OAuth-Client-Attestation'] });
    assert.equal(only.status, 401);
    assert.match(only.body.error_description, /no oauth-client-attestation-pop header/);
    const logged = diagnostics((await sessionOf(issuer, offer.session_id)).logs);
    assert.ok(logged.includes('client_attestation.client_id_mismatch') && logged.includes('client_attestation.headers'));
  });

  it('ignores a PoP challenge (no challenge endpoint) with a warning', async () => {
    const { offer, form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form, await headersFor(issuer, trusted, await newHolderKey(), { pop: { claims: { challenge: 'made-up' } } }));
    assert.equal(res.status, 200);
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.pop_challenge_ignored'));
  });

  it('serves the -00..-02 client_assertion form with a warning naming the draft', async () => {
    const instance = await newHolderKey();
    const { offer, form } = await preAuthForm(issuer);
    const h = await headersFor(issuer, trusted, instance);
    const res = await tokenRequest(issuer, { ...form, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-client-attestation', client_assertion: `${h['OAuth-Client-Attestation']}~${h['OAuth-Client-Attestation-PoP']}` });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.legacy_form'));
  });

  it('checks the attestation at PAR: required by the offer, client_id = sub', async () => {
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { authorization_code: true }, require_wallet_attestation: true });
    const issuerState = created.body.credential_offer.grants.authorization_code.issuer_state;
    const par = (headers: Record<string, string>) =>
      fetch(`${issuer.baseUrl}/par`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({
          client_id: CLIENT_ID,
          response_type: 'code',
          redirect_uri: 'https://wallet.example/cb',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          scope: 'eu.europa.ec.eudi.pid_vc_sd_jwt',
          issuer_state: issuerState,
        }).toString(),
      });
    const without = await par({});
    assert.equal(without.status, 401);
    assert.equal(((await without.json()) as any).error, 'invalid_client');
    const withIt = await par(await headersFor(issuer, trusted, await newHolderKey()));
    assert.equal(withIt.status, 201, await withIt.text());
  });
});

describe('wallet attestation, strict mode (ATTESTATION_MODE=strict)', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { ATTESTATION_MODE: 'strict', WALLET_ATTESTATION_TRUST: trustList({ roots: [trusted] }) } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('advertises attestation as the only client authentication and no anonymous pre-authorized access', async () => {
    const as = (await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, any>;
    assert.deepEqual(as.token_endpoint_auth_methods_supported, ['attest_jwt_client_auth']);
    assert.equal(as['pre-authorized_grant_anonymous_access_supported'], false);
  });

  it('refuses an attestation signed by an unknown provider with invalid_client', async () => {
    const { offer, form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form, await headersFor(issuer, unknown, await newHolderKey()));
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.untrusted_refused'));
  });

  it('refuses a token request without attestation, and the legacy client_assertion form', async () => {
    const { offer, form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    const legacy = await tokenRequest(issuer, { ...form, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-client-attestation', client_assertion: 'a~b' });
    assert.equal(legacy.status, 401);
    assert.match(legacy.body.error_description, /ABCA -00..-02/);
    assert.ok(diagnostics((await sessionOf(issuer, offer.session_id)).logs).includes('client_attestation.legacy_form_refused'));
  });

  it('accepts an attestation chaining to a trusted root', async () => {
    const { form } = await preAuthForm(issuer);
    const res = await tokenRequest(issuer, form, await headersFor(issuer, trusted, await newHolderKey()));
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });
});

describe('trust list configuration', () => {
  it('a broken WALLET_ATTESTATION_TRUST fails the boot and names the problem', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-trust-'));
    after(() => rmSync(dataDir, { recursive: true, force: true }));
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, ADMIN_TOKEN: 'test-admin-token-0123456789', WALLET_ATTESTATION_TRUST: '{"jwks": [{"kty": "oct", "k": "c2VjcmV0"}], "roots": []}' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /WALLET_ATTESTATION_TRUST/);
    assert.match(run.stderr, /jwks\[0\]/);
    assert.match(run.stderr, /unknown member roots/);
  });
});

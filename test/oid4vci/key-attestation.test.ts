import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompactSign, calculateJwkThumbprint, type JWK } from 'jose';
import { Openid4vciWalletProvider } from '@openid4vc/openid4vci';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { clientAuthenticationClientAttestationJwt } from '@openid4vc/oauth2';
import { createOffer, credentialRequest, fetchNonce, newHolderKey, preAuthorizedCode, redeem, signProof, tokenRequest } from '../helpers/wallet.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';
import { attestationPop, keyAttestation, newAttester, trustList, walletAttestation, type Attester } from '../helpers/attestation.js';

/**
 * Key attestation, OID4VCI 1.0 App. D: the key_attestation header of jwt proofs (F.1) and the
 * attestation proof type (F.3), the configuration's key_attestations_required and the offer's
 * require_key_attestation, in playground and strict mode. Attestations are signed with jose
 * here, or by the @openid4vc/openid4vci wallet provider where the library supports it.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
let trusted: Attester;
let unknown: Attester;

const cnfOf = (sdJwt: string) => JSON.parse(Buffer.from(sdJwt.split('~')[0].split('.')[1], 'base64url').toString()).cnf.jwk as JWK;
const thumb = (jwk: JWK) => calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } as JWK);
const codes = async (issuer: RunningIssuer, sessionId: string) =>
  ((await admin(issuer, 'GET', `/sessions/${sessionId}`)).body.logs as { data: any }[]).map((l) => l.data?.code).filter(Boolean) as string[];

async function refusedWith(res: { status: number; body: any }, issuer: RunningIssuer, sessionId: string, code: string, error = 'invalid_proof') {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.ok((await codes(issuer, sessionId)).includes(code), `${code} in the session log`);
}

before(async () => {
  trusted = await newAttester('key-attester.test');
  unknown = await newAttester('unknown-key-attester.test');
});

describe('key attestation in jwt proofs, playground mode, shipped configurations', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { WALLET_ATTESTATION_TRUST: trustList({ roots: [trusted] }) } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('full flow through @openid4vc/openid4vci: wallet-provider key attestation in the proof header (its draft 15 typ served with a warning)', async () => {
    const key = await newWalletKey();
    const wallet = createTestWallet([key]);
    const provider = new Openid4vciWalletProvider({
      callbacks: {
        signJwt: async (_signer, { header, payload }) => ({
          jwt: await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as never).sign(trusted.signingKey),
          signerJwk: trusted.publicJwk as never,
        }),
      },
    });
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [CONFIG], require_key_attestation: true });
    const credentialOffer = await wallet.client.resolveCredentialOffer(created.body.offer_url);
    const issuerMetadata = await wallet.client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
    const { c_nonce } = await wallet.client.requestNonce({ issuerMetadata });
    const keyAttestationJwt = await provider.createKeyAttestationJwt({
      attestedKeys: [key.publicJwk as never],
      nonce: c_nonce,
      expiresAt: new Date(Date.now() + 600_000),
      keyStorage: ['iso_18045_moderate'],
      use: 'proof_type.jwt',
      signer: { method: 'x5c', x5c: trusted.x5c, alg: 'ES256' },
    });
    const { jwt } = await wallet.client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: CONFIG, signer: { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' }, nonce: c_nonce, keyAttestationJwt });
    const { credentialResponse } = await wallet.client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: CONFIG, proofs: { jwt: [jwt] } });
    assert.equal(credentialResponse.credentials?.length, 1);
    assert.equal(await thumb(cnfOf((credentialResponse.credentials![0] as { credential: string }).credential)), await thumb(key.publicJwk));

    const session = (await admin(issuer, 'GET', `/sessions/${created.body.session_id}`)).body;
    assert.ok(session.logs.some((l: any) => l.data?.code === 'key_attestation.typ_legacy'), 'keyattestation+jwt is named as the draft 15 spelling');
    const verified = session.logs.find((l: any) => l.message.startsWith('Key attestation verified'));
    assert.equal(verified.data.trusted, true);
    assert.deepEqual(verified.data.key_storage, ['iso_18045_moderate']);
  });

  it('issues a credential for each attested key (F.1); the proof names its key by index', async () => {
    const [a, b] = [await newHolderKey(), await newHolderKey()];
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const nonce = await fetchNonce(issuer);
    const att = await keyAttestation(trusted, { attestedKeys: [a.publicJwk, b.publicJwk], nonce });
    const proof = await signProof(b, { aud: issuer.baseUrl, nonce, header: { jwk: undefined, kid: '1', key_attestation: att } });
    const res = await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.credentials.length, 2);
    const bound = await Promise.all(res.body.credentials.map((c: { credential: string }) => thumb(cnfOf(c.credential))));
    assert.deepEqual(bound.sort(), [await thumb(a.publicJwk), await thumb(b.publicJwk)].sort());
  });

  it('require_key_attestation: a proof without key_attestation is refused (key_attestation.required)', async () => {
    const offer = await createOffer(issuer, { require_key_attestation: true });
    const token = await redeem(issuer, offer);
    const proof = await signProof(await newHolderKey(), { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } }), issuer, offer.session_id, 'key_attestation.required');
  });

  it('refuses a proof whose key is not an attested key (key_attestation.key_not_attested)', async () => {
    const [proofKey, attested] = [await newHolderKey(), await newHolderKey()];
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const nonce = await fetchNonce(issuer);
    const proof = await signProof(proofKey, { aud: issuer.baseUrl, nonce, header: { key_attestation: await keyAttestation(trusted, { attestedKeys: [attested.publicJwk], nonce }) } });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } }), issuer, offer.session_id, 'key_attestation.key_not_attested');
  });

  it('refuses a key attestation whose nonce is not the c_nonce, and an expired one', async () => {
    const key = await newHolderKey();
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const nonce = await fetchNonce(issuer);
    const stale = await signProof(key, { aud: issuer.baseUrl, nonce, header: { key_attestation: await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce: 'an-old-nonce' }) } });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [stale] } }), issuer, offer.session_id, 'key_attestation.nonce');
    const expired = await signProof(key, { aud: issuer.baseUrl, nonce, header: { key_attestation: await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce, exp: Math.floor(Date.now() / 1000) - 600 }) } });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [expired] } }), issuer, offer.session_id, 'key_attestation.expired');
  });

  it('refuses a key attestation whose signature does not match its x5c, or whose x5c is not a certificate', async () => {
    const key = await newHolderKey();
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const nonce = await fetchNonce(issuer);
    const send = async (attester: Attester) => credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [await signProof(key, { aud: issuer.baseUrl, nonce, header: { key_attestation: await keyAttestation(attester, { attestedKeys: [key.publicJwk], nonce }) } })] } });
    await refusedWith(await send({ ...unknown, x5c: trusted.x5c }), issuer, offer.session_id, 'key_attestation.signature');
    await refusedWith(await send({ ...trusted, x5c: ['bm90LWEtY2VydA=='] }), issuer, offer.session_id, 'key_attestation.x5c_invalid');
  });

  it('accepts a key attestation by an unknown attester with a warning saying what strict mode would refuse', async () => {
    const key = await newHolderKey();
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const nonce = await fetchNonce(issuer);
    const proof = await signProof(key, { aud: issuer.baseUrl, nonce, header: { key_attestation: await keyAttestation(unknown, { attestedKeys: [key.publicJwk], nonce }) } });
    const res = await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
    assert.ok((await codes(issuer, offer.session_id)).includes('key_attestation.untrusted'));
  });
});

describe('key_attestations_required and the attestation proof type, strict mode', () => {
  let issuer: RunningIssuer;
  let dir: string;
  before(async () => {
    // A configuration file that requires key attestations and offers the attestation proof type.
    const file = JSON.parse(readFileSync(new URL('../../config/credential-configurations.json', import.meta.url), 'utf8'));
    const required = { key_storage: ['iso_18045_high', 'iso_18045_moderate'] };
    file.credential_configurations[CONFIG].proof_types_supported = {
      jwt: { proof_signing_alg_values_supported: ['ES256'], key_attestations_required: required },
      attestation: { proof_signing_alg_values_supported: ['ES256'], key_attestations_required: required },
    };
    dir = mkdtempSync(join(tmpdir(), 'issuance-lab-ka-'));
    writeFileSync(join(dir, 'configurations.json'), JSON.stringify(file));
    issuer = await startIssuer({ env: { ATTESTATION_MODE: 'strict', WALLET_ATTESTATION_TRUST: trustList({ roots: [trusted] }), CREDENTIAL_CONFIGURATIONS: join(dir, 'configurations.json') } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes key_attestations_required', async () => {
    const metadata = (await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json()) as any;
    assert.deepEqual(metadata.credential_configurations_supported[CONFIG].proof_types_supported.attestation.key_attestations_required.key_storage, ['iso_18045_high', 'iso_18045_moderate']);
  });

  /** Strict mode authenticates every token request by wallet attestation. */
  async function strictToken(offer: { credential_offer: any }): Promise<string> {
    const instance = await newHolderKey();
    const res = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) }, {
      'OAuth-Client-Attestation': await walletAttestation(trusted, { sub: 'https://wallet.example/ka', instanceKey: instance }),
      'OAuth-Client-Attestation-PoP': await attestationPop(instance, { aud: issuer.baseUrl }),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.access_token;
  }

  it('attestation proof type through @openid4vc/openid4vci: one credential per attested key, no proof of possession', async () => {
    const keys = [await newWalletKey(), await newWalletKey()];
    const instance = await newWalletKey();
    const clientAttestationJwt = await walletAttestation(trusted, { sub: 'https://wallet.example/ka', instanceKey: instance });
    const wallet = createTestWallet([instance], { clientAuthentication: (cb) => clientAuthenticationClientAttestationJwt({ clientAttestationJwt, callbacks: cb }) });
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [CONFIG] });
    const credentialOffer = await wallet.client.resolveCredentialOffer(created.body.offer_url);
    const issuerMetadata = await wallet.client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
    const { c_nonce } = await wallet.client.requestNonce({ issuerMetadata });
    const attestation = await keyAttestation(trusted, { attestedKeys: keys.map((k) => k.publicJwk), nonce: c_nonce, keyStorage: ['iso_18045_high'], exp: null });
    const { credentialResponse } = await wallet.client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: CONFIG, proofs: { attestation: [attestation] } });
    assert.equal(credentialResponse.credentials?.length, 2);
    const bound = await Promise.all(credentialResponse.credentials!.map((c) => thumb(cnfOf((c as { credential: string }).credential))));
    assert.deepEqual(bound.sort(), (await Promise.all(keys.map((k) => thumb(k.publicJwk)))).sort());
    const issued = (await admin(issuer, 'GET', `/sessions/${created.body.session_id}`)).body.issued_credentials as { key_source: string }[];
    assert.deepEqual(issued.map((c) => c.key_source), ['key_attestation', 'key_attestation']);
  });

  it('refuses key_storage outside key_attestations_required (key_attestation.requirements_unmet)', async () => {
    const offer = await createOffer(issuer);
    const token = await strictToken(offer);
    const key = await newHolderKey();
    const nonce = await fetchNonce(issuer);
    const att = await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce, keyStorage: ['iso_18045_basic'] });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { attestation: [att] } }), issuer, offer.session_id, 'key_attestation.requirements_unmet');
    // Nothing was spent: the same c_nonce works with a conforming attestation.
    const ok = await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce, keyStorage: ['iso_18045_moderate'] });
    assert.equal((await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { attestation: [ok] } })).status, 200);
  });

  it('refuses a jwt proof without key attestation when the configuration requires one', async () => {
    const offer = await createOffer(issuer);
    const token = await strictToken(offer);
    const proof = await signProof(await newHolderKey(), { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
    await refusedWith(await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } }), issuer, offer.session_id, 'key_attestation.required');
  });

  it('strict mode refuses an untrusted key attester, the draft 15 typ, a missing nonce and two attestations', async () => {
    const offer = await createOffer(issuer);
    const token = await strictToken(offer);
    const key = await newHolderKey();
    const nonce = await fetchNonce(issuer);
    const send = async (attestation: string[]) => credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { attestation } });
    await refusedWith(await send([await keyAttestation(unknown, { attestedKeys: [key.publicJwk], nonce, keyStorage: ['iso_18045_high'] })]), issuer, offer.session_id, 'key_attestation.untrusted_refused');
    await refusedWith(await send([await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce, keyStorage: ['iso_18045_high'], typ: 'keyattestation+jwt' })]), issuer, offer.session_id, 'key_attestation.typ_legacy_refused');
    await refusedWith(await send([await keyAttestation(trusted, { attestedKeys: [key.publicJwk], keyStorage: ['iso_18045_high'] })]), issuer, offer.session_id, 'key_attestation.nonce');
    const one = await keyAttestation(trusted, { attestedKeys: [key.publicJwk], nonce, keyStorage: ['iso_18045_high'] });
    await refusedWith(await send([one, one]), issuer, offer.session_id, 'key_attestation.proof_count');
  });
});

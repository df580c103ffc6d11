import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createOffer, fetchNonce, newHolderKey, redeem, signProof } from '../helpers/wallet.js';

/**
 * Credential request / response encryption, OID4VCI 1.0 §10 (§8.2, §9.1), hand-built with jose
 * (the @openid4vc/openid4vci 0.4.6 client has no encryption support): the test encrypts the
 * request to the issuer's published key and decrypts the response with the wallet's own key.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const ERIKA = {
  given_name: 'Erika',
  family_name: 'Mustermann',
  birthdate: '1964-08-12',
  place_of_birth: { country: 'DE', locality: 'Berlin' },
  nationalities: ['DE'],
  issuing_authority: 'Encryption Test Authority',
  issuing_country: 'DE',
  date_of_expiry: '2036-01-01',
};

interface WalletEncKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function walletEncryptionKey(alg = 'ECDH-ES'): Promise<WalletEncKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { crv: 'P-256', extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg, kid: `wallet-${alg}` } };
}

async function issuerEncryption(issuer: RunningIssuer) {
  const metadata = (await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json()) as Record<string, any>;
  return { metadata, key: metadata.credential_request_encryption.jwks.keys[0] as JWK };
}

async function encryptTo(key: JWK, body: unknown, header: Record<string, unknown> = {}): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg: key.alg!, enc: 'A128GCM', kid: key.kid, ...header } as never)
    .encrypt(await importJWK(key, key.alg));
}

async function post(issuer: RunningIssuer, path: string, token: string, body: string, contentType: string) {
  const res = await fetch(`${issuer.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

async function decrypt(jwe: string, key: WalletEncKey) {
  const { plaintext, protectedHeader } = await compactDecrypt(jwe, key.privateKey);
  return { header: protectedHeader, body: JSON.parse(new TextDecoder().decode(plaintext)) };
}

/** Diagnostic codes logged for the session of an access token (found through the admin API by token-holding session). */
const sessionsByToken = new Map<string, string>();
async function codes(issuer: RunningIssuer, token: string): Promise<string[]> {
  const id = sessionsByToken.get(token)!;
  const logs = (await admin(issuer, 'GET', `/sessions/${id}`)).body.logs as { data: any }[];
  return logs.map((l) => l.data?.code).filter(Boolean);
}

async function redeemTracked(issuer: RunningIssuer, offer: Awaited<ReturnType<typeof createOffer>>): Promise<string> {
  const token = await redeem(issuer, offer);
  sessionsByToken.set(token, offer.session_id);
  return token;
}

async function proofFor(issuer: RunningIssuer) {
  return signProof(await newHolderKey(), { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
}

describe('credential request and response encryption (OID4VCI 1.0 §10)', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer();
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('advertises credential_request_encryption (a JWK Set with kid and alg) and credential_response_encryption', async () => {
    const { metadata, key } = await issuerEncryption(issuer);
    assert.equal(key.alg, 'ECDH-ES');
    assert.equal(key.use, 'enc');
    assert.equal(typeof key.kid, 'string');
    assert.equal((key as Record<string, unknown>).d, undefined);
    assert.deepEqual(metadata.credential_request_encryption.enc_values_supported, ['A128GCM', 'A256GCM']);
    assert.equal(metadata.credential_request_encryption.encryption_required, false);
    assert.deepEqual(metadata.credential_response_encryption.alg_values_supported, ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW']);
    assert.deepEqual(metadata.credential_response_encryption.zip_values_supported, ['DEF']);
  });

  it('encrypted request, encrypted response: the test decrypts the credential with the wallet key', async () => {
    const { key } = await issuerEncryption(issuer);
    const wallet = await walletEncryptionKey();
    const offer = await createOffer(issuer);
    const token = await redeemTracked(issuer, offer);
    const request = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] }, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A256GCM' } };
    const res = await post(issuer, '/credential', token, await encryptTo(key, request), 'application/jwt');
    assert.equal(res.status, 200, res.text);
    assert.match(res.contentType, /^application\/jwt/);
    assert.equal(res.text.split('.').length, 5, 'a compact JWE');
    const { header, body } = await decrypt(res.text, wallet);
    assert.equal(header.alg, 'ECDH-ES');
    assert.equal(header.enc, 'A256GCM');
    assert.equal(header.kid, 'wallet-ECDH-ES', 'the kid of the wallet key is echoed (§10)');
    assert.equal(body.credentials.length, 1);
    assert.match(body.credentials[0].credential, /^ey[^~]+~/);
    assert.equal(typeof body.notification_id, 'string');

    const session = (await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body;
    const messages = session.logs.map((l: { message: string }) => l.message);
    assert.ok(messages.some((m: string) => m.startsWith('Encrypted request decrypted')));
    assert.ok(messages.some((m: string) => m.startsWith('Response encrypted')));
    // The session log keeps the decrypted request, never the credential in clear.
    assert.ok(!JSON.stringify(session.logs).includes(body.credentials[0].credential));
  });

  it('compresses with zip DEF and uses a key-wrapping ECDH-ES alg when asked; accepts a compressed request', async () => {
    const { key } = await issuerEncryption(issuer);
    const wallet = await walletEncryptionKey('ECDH-ES+A128KW');
    const token = await redeemTracked(issuer, await createOffer(issuer));
    const request = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] }, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A128GCM', zip: 'DEF' } };
    const res = await post(issuer, '/credential', token, await encryptTo(key, request, { zip: 'DEF' }), 'application/jwt');
    assert.equal(res.status, 200, res.text);
    const header = decodeProtectedHeader(res.text);
    assert.equal(header.zip, 'DEF');
    assert.equal(header.alg, 'ECDH-ES+A128KW');
    assert.equal((await decrypt(res.text, wallet)).body.credentials.length, 1);
  });

  it('refuses credential_response_encryption in a plain JSON request with invalid_encryption_parameters (§8.2)', async () => {
    const wallet = await walletEncryptionKey();
    const token = await redeemTracked(issuer, await createOffer(issuer));
    const request = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] }, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A128GCM' } };
    const res = await post(issuer, '/credential', token, JSON.stringify(request), 'application/json');
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).error, 'invalid_encryption_parameters');
    assert.ok((await codes(issuer, token)).includes('encryption.response.unencrypted_request'));
  });

  it('reads a JWT carried as JWE plaintext (warning), refuses plaintext that is neither JSON nor a JWT', async () => {
    const { key } = await issuerEncryption(issuer);
    const offer = await createOffer(issuer);
    const token = await redeemTracked(issuer, offer);
    const claims = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] } };
    const unsecured = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const seal = async (text: string) => new CompactEncrypt(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'ECDH-ES', enc: 'A128GCM', kid: key.kid }).encrypt(await importJWK(key, 'ECDH-ES'));
    const nested = await post(issuer, '/credential', token, await seal(unsecured), 'application/jwt');
    assert.equal(nested.status, 200, nested.text);
    const garbage = await post(issuer, '/credential', token, await seal('hello'), 'application/jwt');
    assert.equal(garbage.status, 400);
    assert.equal(JSON.parse(garbage.text).error, 'invalid_credential_request');
    const logged = await codes(issuer, token);
    assert.ok(logged.includes('encryption.request.nested_jwt') && logged.includes('encryption.request.payload'));
  });

  it('refuses bad parameters with invalid_encryption_parameters, unencrypted (error responses are never encrypted)', async () => {
    const { key } = await issuerEncryption(issuer);
    const wallet = await walletEncryptionKey();
    const { alg: _alg, ...jwkWithoutAlg } = wallet.publicJwk;
    const bad: [string, Record<string, unknown>][] = [
      ['unsupported enc', { jwk: wallet.publicJwk, enc: 'A128CBC-HS256' }],
      ['jwk without alg', { jwk: jwkWithoutAlg, enc: 'A128GCM' }],
      ['draft 15 alg next to the jwk', { jwk: jwkWithoutAlg, alg: 'ECDH-ES', enc: 'A128GCM' }],
      ['unsupported zip', { jwk: wallet.publicJwk, enc: 'A128GCM', zip: 'GZIP' }],
      ['a signing key type', { jwk: { kty: 'RSA', n: 'abc', e: 'AQAB', alg: 'ECDH-ES' }, enc: 'A128GCM' }],
    ];
    for (const [name, params] of bad) {
      const token = await redeemTracked(issuer, await createOffer(issuer));
      const request = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] }, credential_response_encryption: params };
      const res = await post(issuer, '/credential', token, await encryptTo(key, request), 'application/jwt');
      assert.equal(res.status, 400, name);
      assert.match(res.contentType, /^application\/json/, name);
      assert.equal(JSON.parse(res.text).error, 'invalid_encryption_parameters', name);
      assert.ok((await codes(issuer, token)).includes('encryption.response.params'), name);
    }
    // A proof error inside an encrypted request is answered in plain JSON too.
    const token = await redeemTracked(issuer, await createOffer(issuer));
    const res = await post(issuer, '/credential', token, await encryptTo(key, { credential_configuration_id: CONFIG, proofs: { jwt: ['x.y.z'] }, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A128GCM' } }), 'application/jwt');
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.text).error, 'invalid_proof');
  });

  it('refuses a JWE to another key, with another alg or kid, or that is not a JWE', async () => {
    const { key } = await issuerEncryption(issuer);
    const other = await walletEncryptionKey();
    const token = await redeemTracked(issuer, await createOffer(issuer));
    const body = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] } };
    const cases: [string, string][] = [
      ['encrypted to another key', await encryptTo({ ...other.publicJwk, kid: key.kid }, body)],
      ['unknown kid', await encryptTo({ ...key, kid: 'old-key' }, body)],
      ['a signed JWT instead of a JWE', 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
    ];
    for (const [name, jwe] of cases) {
      const res = await post(issuer, '/credential', token, jwe, 'application/jwt');
      assert.equal(res.status, 400, name);
      assert.equal(JSON.parse(res.text).error, 'invalid_encryption_parameters', name);
    }
    assert.ok((await codes(issuer, token)).includes('encryption.request.invalid'));
  });

  it('deferred: 202 encrypted, then the deferred endpoint answers with the new encryption parameters', async () => {
    const { key } = await issuerEncryption(issuer);
    const first = await walletEncryptionKey();
    const second = await walletEncryptionKey();
    const offer = await createOffer(issuer, { deferred: true });
    const token = await redeemTracked(issuer, offer);
    const request = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] }, credential_response_encryption: { jwk: first.publicJwk, enc: 'A128GCM' } };
    const pending = await post(issuer, '/credential', token, await encryptTo(key, request), 'application/jwt');
    assert.equal(pending.status, 202, pending.text);
    const { body: deferred } = await decrypt(pending.text, first);
    assert.equal(typeof deferred.transaction_id, 'string');
    assert.equal(typeof deferred.interval, 'number');

    const poll = (wallet: WalletEncKey) => encryptTo(key, { transaction_id: deferred.transaction_id, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A128GCM' } });
    const notReady = await post(issuer, '/deferred_credential', token, await poll(second), 'application/jwt');
    assert.equal(notReady.status, 202);
    assert.equal((await decrypt(notReady.text, second)).body.transaction_id, deferred.transaction_id);

    const supplied = await admin(issuer, 'POST', `/sessions/${offer.session_id}/claims`, { credential_configuration_id: CONFIG, claims: ERIKA });
    assert.ok(supplied.status < 300, JSON.stringify(supplied.body));
    const ready = await post(issuer, '/deferred_credential', token, await poll(second), 'application/jwt');
    assert.equal(ready.status, 200, ready.text);
    await assert.rejects(decrypt(ready.text, first), 'the new key replaces the one of the credential request');
    assert.equal((await decrypt(ready.text, second)).body.credentials.length, 1);
  });
});

describe('encryption required (CREDENTIAL_REQUEST/RESPONSE_ENCRYPTION_REQUIRED)', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { CREDENTIAL_REQUEST_ENCRYPTION_REQUIRED: 'true', CREDENTIAL_RESPONSE_ENCRYPTION_REQUIRED: 'true' } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('advertises encryption_required and refuses a plain request and a request without response encryption', async () => {
    const { metadata, key } = await issuerEncryption(issuer);
    assert.equal(metadata.credential_request_encryption.encryption_required, true);
    assert.equal(metadata.credential_response_encryption.encryption_required, true);
    const token = await redeemTracked(issuer, await createOffer(issuer));
    const body = { credential_configuration_id: CONFIG, proofs: { jwt: [await proofFor(issuer)] } };
    const plain = await post(issuer, '/credential', token, JSON.stringify(body), 'application/json');
    assert.equal(plain.status, 400);
    assert.equal(JSON.parse(plain.text).error, 'invalid_encryption_parameters');
    assert.ok((await codes(issuer, token)).includes('encryption.request.required'));
    const noResponseEncryption = await post(issuer, '/credential', token, await encryptTo(key, body), 'application/jwt');
    assert.equal(noResponseEncryption.status, 400);
    assert.equal(JSON.parse(noResponseEncryption.text).error, 'invalid_encryption_parameters');
    // The c_nonce was not spent by the refused requests: the same proof now succeeds.
    const wallet = await walletEncryptionKey();
    const ok = await post(issuer, '/credential', token, await encryptTo(key, { ...body, credential_response_encryption: { jwk: wallet.publicJwk, enc: 'A128GCM' } }), 'application/jwt');
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await decrypt(ok.text, wallet)).body.credentials.length, 1);
  });

  it('keeps the request encryption key across restarts (same kid)', async () => {
    const before = (await issuerEncryption(issuer)).key.kid;
    issuer = await issuer.restart();
    assert.equal((await issuerEncryption(issuer)).key.kid, before);
  });
});

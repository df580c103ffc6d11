import assert from 'node:assert/strict';
import { createPrivateKey, sign as nodeSign, generateKeyPairSync, webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { fixedClock } from '../../src/core/clock.js';
import { ProtocolError, type DiagnosticCode } from '../../src/core/diagnostics.js';
import { base58btcEncode } from '../../src/crypto/did-resolver.js';
import { verifyJwtProof, type JwtProofPolicy } from '../../src/protocol/oid4vci/proofs/jwt-proof.js';
import { clearProofKeyCaches, proofKeyCacheSize } from '../../src/protocol/oid4vci/proofs/proof-key.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ISSUER = 'https://issuer.example/tenant';
const NOW_MS = 1_750_000_000_000;
const NOW = NOW_MS / 1000;
const PATH = 'body.proofs.jwt[0]';
const clock = fixedClock(NOW_MS);
const deps = { clock };

const policy: JwtProofPolicy = {
  issuerIdentifier: ISSUER,
  allowedAlgs: ['ES256', 'ES384', 'EdDSA', 'ES256K'],
  iatSkewSeconds: 60,
  maxAgeSeconds: 300,
  nonceRequired: true,
  anonymousGrant: true,
};

const b64url = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const basePayload = () => ({ aud: ISSUER, iat: NOW, nonce: 'n-123' });

interface TestKey { privateKey: CryptoKey; jwk: JWK; alg: string }

async function newKey(alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: await exportJWK(publicKey), alg };
}

async function sign(key: TestKey, header: Record<string, unknown>, payload: Record<string, unknown> = basePayload()): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: key.alg, typ: 'openid4vci-proof+jwt', ...header } as never)
    .sign(key.privateKey);
}

function p256DidKey(jwk: JWK): string {
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const value = `z${base58btcEncode(Buffer.concat([Buffer.from([0x80, 0x24, (y[31] & 1) === 1 ? 0x03 : 0x02]), x]))}`;
  return `did:key:${value}`;
}

function jwkJcsDidKey(jwk: JWK): string {
  const jcs = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return `did:key:z${base58btcEncode(Buffer.concat([Buffer.from([0xd1, 0xd6, 0x03]), Buffer.from(jcs)]))}`;
}

async function selfSignedX5c(key: { privateKey: CryptoKey; publicKey: CryptoKey }): Promise<string[]> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Test Wallet Key',
    notBefore: new Date(NOW_MS - 86_400_000),
    notAfter: new Date(NOW_MS + 86_400_000),
    keys: key,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return [Buffer.from(cert.rawData).toString('base64')];
}

async function refused(jwt: string, code: DiagnosticCode, p: JwtProofPolicy = policy): Promise<ProtocolError> {
  try {
    await verifyJwtProof(deps, jwt, p, PATH);
  } catch (err) {
    assert.ok(err instanceof ProtocolError, `expected ProtocolError, got ${String(err)}`);
    assert.equal(err.diagnostic.code, code, `reason: ${err.diagnostic.reason}`);
    assert.equal(err.error, 'invalid_proof');
    assert.equal(err.status, 400);
    assert.ok(err.diagnostic.path?.startsWith(PATH), err.diagnostic.path);
    assert.ok(err.diagnostic.help.length > 0);
    assert.match(err.diagnostic.spec_ref, /OID4VCI 1.0/);
    assert.ok(!JSON.stringify(err.diagnostic).includes(jwt) || jwt.length < 20, 'the full JWT must not be logged');
    return err;
  }
  assert.fail(`expected ${code}, but the proof was accepted`);
}

const found = (err: ProtocolError) => err.diagnostic.found as Record<string, unknown>;

describe('verifyJwtProof: accepted key sources', () => {
  it('jwk', async () => {
    const key = await newKey();
    const r = await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }), policy, PATH);
    assert.equal(r.keySource, 'jwk');
    assert.deepEqual(r.holderKey, { jwk: { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y } });
    assert.equal(r.nonce, 'n-123');
    assert.deepEqual(r.warnings, []);
    assert.equal(r.header.typ, 'openid4vci-proof+jwt');
    assert.equal(r.payload.aud, ISSUER);
    assert.match(r.jwkThumbprint, /^[A-Za-z0-9_-]{43}$/);
  });

  it('x5c (self-signed leaf, chain not checked)', async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    const key: TestKey = { privateKey: pair.privateKey, jwk: await exportJWK(pair.publicKey), alg: 'ES256' };
    const r = await verifyJwtProof(deps, await sign(key, { x5c: await selfSignedX5c(pair) }), policy, PATH);
    assert.equal(r.keySource, 'x5c');
    assert.deepEqual(r.holderKey.jwk, { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y });
    assert.deepEqual(r.warnings, []);
  });

  it('kid = did:key p256 with fragment', async () => {
    const key = await newKey();
    const did = p256DidKey(key.jwk);
    const kid = `${did}#${did.slice('did:key:'.length)}`;
    const r = await verifyJwtProof(deps, await sign(key, { kid }), policy, PATH);
    assert.equal(r.keySource, 'did:key:p256');
    assert.deepEqual(r.holderKey, { jwk: { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y }, didUrl: kid });
    assert.deepEqual(r.warnings, []);
  });

  it('kid = did:key p256 without fragment: accepted with a warning', async () => {
    const key = await newKey();
    const did = p256DidKey(key.jwk);
    const r = await verifyJwtProof(deps, await sign(key, { kid: did }), policy, PATH);
    assert.equal(r.keySource, 'did:key:p256');
    assert.equal(r.holderKey.jwk.x, key.jwk.x);
    assert.deepEqual(r.warnings.map((w) => w.code), ['proof.jwt.did_without_fragment']);
    assert.equal(r.warnings[0].severity, 'warning');
    assert.equal(r.warnings[0].expected, `kid = ${did}#${did.slice('did:key:'.length)}`);
  });

  it('kid = did:key jwk_jcs-pub', async () => {
    const key = await newKey();
    const did = jwkJcsDidKey(key.jwk);
    assert.ok(did.startsWith('did:key:z2dmzD8'));
    const kid = `${did}#${did.slice('did:key:'.length)}`;
    const r = await verifyJwtProof(deps, await sign(key, { kid }), policy, PATH);
    assert.equal(r.keySource, 'did:key:jwk_jcs');
    assert.deepEqual(r.holderKey.jwk, { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y });
    assert.deepEqual(r.warnings, []);
  });

  it('kid = did:jwk#0', async () => {
    const key = await newKey();
    const kid = `did:jwk:${b64url(key.jwk)}#0`;
    const r = await verifyJwtProof(deps, await sign(key, { kid }), policy, PATH);
    assert.equal(r.keySource, 'did:jwk');
    assert.equal(r.holderKey.didUrl, kid);
    assert.deepEqual(r.holderKey.jwk, { kty: 'EC', crv: 'P-256', x: key.jwk.x, y: key.jwk.y });
  });

  it('EdDSA with jwk and with did:key ed25519', async () => {
    const key = await newKey('EdDSA');
    const r1 = await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }), policy, PATH);
    assert.equal(r1.keySource, 'jwk');
    assert.deepEqual(r1.holderKey.jwk, { kty: 'OKP', crv: 'Ed25519', x: key.jwk.x });
    const value = `z${base58btcEncode(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(key.jwk.x!, 'base64url')]))}`;
    const r2 = await verifyJwtProof(deps, await sign(key, { kid: `did:key:${value}#${value}` }), policy, PATH);
    assert.equal(r2.keySource, 'did:key:ed25519');
  });

  it('ES256K (verified through node:crypto)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const jwk = publicKey.export({ format: 'jwk' });
    const input = `${b64url({ alg: 'ES256K', typ: 'openid4vci-proof+jwt', jwk })}.${b64url(basePayload())}`;
    const sig = nodeSign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    const r = await verifyJwtProof(deps, `${input}.${sig.toString('base64url')}`, policy, PATH);
    assert.equal(r.holderKey.jwk.crv, 'secp256k1');
    const other = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
    const bad = nodeSign('sha256', Buffer.from(input), { key: other.privateKey, dsaEncoding: 'ieee-p1363' });
    await refused(`${input}.${bad.toString('base64url')}`, 'proof.jwt.signature');
  });

  it('imported keys are cached by thumbprint', async () => {
    clearProofKeyCaches();
    const key = await newKey();
    await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }), policy, PATH);
    await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }, { ...basePayload(), nonce: 'other' }), policy, PATH);
    await verifyJwtProof(deps, await sign(key, { kid: `did:jwk:${b64url(key.jwk)}#0` }), policy, PATH);
    assert.equal(proofKeyCacheSize(), 1);
  });
});

describe('verifyJwtProof: accepted with warnings', () => {
  it('binding method not advertised, aud array, fractional iat, iss with anonymous grant, typ spelling', async () => {
    const key = await newKey();
    const jwt = await sign(
      key,
      { kid: `did:jwk:${b64url(key.jwk)}#0`, typ: 'application/openid4vci-proof+jwt' },
      { aud: [ISSUER], iat: NOW - 0.5, nonce: 'n', iss: 'wallet-client' },
    );
    const r = await verifyJwtProof(deps, jwt, { ...policy, bindingMethods: ['jwk', 'did:key'] }, PATH);
    assert.deepEqual(r.warnings.map((w) => w.code).sort(), [
      'proof.jwt.aud_array',
      'proof.jwt.binding_method_not_advertised',
      'proof.jwt.iat_not_integer',
      'proof.jwt.iss_with_anonymous_grant',
      'proof.jwt.typ_not_canonical',
    ]);
    assert.ok(r.warnings.every((w) => w.severity === 'warning' && w.path?.startsWith(PATH)));
  });

  it('cose_key covers a jwk; did covers did:key', async () => {
    const key = await newKey();
    const r = await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }), { ...policy, bindingMethods: ['cose_key'] }, PATH);
    assert.deepEqual(r.warnings, []);
    const did = p256DidKey(key.jwk);
    const r2 = await verifyJwtProof(deps, await sign(key, { kid: `${did}#${did.slice(8)}` }), { ...policy, bindingMethods: ['did:key'] }, PATH);
    assert.deepEqual(r2.warnings, []);
  });

  it('no nonce needed without a nonce endpoint', async () => {
    const key = await newKey();
    const r = await verifyJwtProof(deps, await sign(key, { jwk: key.jwk }, { aud: ISSUER, iat: NOW }), { ...policy, nonceRequired: false }, PATH);
    assert.equal(r.nonce, undefined);
  });
});

describe('verifyJwtProof: refusals', () => {
  it('malformed compact JWS', async () => {
    assert.match((await refused('abc', 'proof.jwt.malformed')).message, /1 dot-separated part/);
    assert.match((await refused('a.b.c.d.e', 'proof.jwt.malformed')).message, /JWE/);
    assert.match((await refused(`${b64url('not json')}.${b64url({})}.sig`, 'proof.jwt.malformed')).message, /header is not base64url-encoded JSON/);
    assert.match((await refused(`${b64url({ alg: 'ES256' })}.${b64url([1])}.sig`, 'proof.jwt.malformed')).message, /payload is JSON but not an object/);
    assert.match((await refused('eyJ=.eyJ.sig', 'proof.jwt.malformed')).message, /header part is not base64url \(has "="/);
  });

  it('wrong typ', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { jwk: key.jwk, typ: 'JWT' }), 'proof.jwt.typ');
    assert.match(err.message, /typ "JWT" is not "openid4vci-proof\+jwt": it is the generic JWT type/);
    assert.equal(found(err).typ, 'JWT');
    assert.deepEqual(found(err).header_params, ['alg', 'typ', 'jwk']);
    assert.equal(err.diagnostic.path, `${PATH}.header.typ`);
    assert.match((await refused(await sign(key, { jwk: key.jwk, typ: 'openid4vci-proof+jwt ' }), 'proof.jwt.typ')).message, /whitespace/);
    assert.match((await refused(await sign(key, { jwk: key.jwk, typ: undefined }), 'proof.jwt.typ')).message, /no typ/);
  });

  it('alg none (crafted), HS256, alg not advertised', async () => {
    const key = await newKey();
    const none = `${b64url({ alg: 'none', typ: 'openid4vci-proof+jwt', jwk: key.jwk })}.${b64url(basePayload())}.`;
    const err = await refused(none, 'proof.jwt.alg_unsupported');
    assert.match(err.message, /alg "none": unsigned proofs are never accepted/);
    assert.equal(found(err).alg, 'none');

    const hs = await new CompactSign(Buffer.from(JSON.stringify(basePayload())))
      .setProtectedHeader({ alg: 'HS256', typ: 'openid4vci-proof+jwt' })
      .sign(new Uint8Array(32).fill(7));
    assert.match((await refused(hs, 'proof.jwt.alg_unsupported')).message, /HS256 is a symmetric MAC/);

    const es384 = await newKey('ES384');
    const err384 = await refused(await sign(es384, { jwk: es384.jwk }), 'proof.jwt.alg_unsupported', { ...policy, allowedAlgs: ['ES256'] });
    assert.equal(err384.diagnostic.expected, 'alg one of ES256');
  });

  it('wrong aud: found and expected show both values', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { jwk: key.jwk }, { ...basePayload(), aud: `${ISSUER}/credential` }), 'proof.jwt.aud');
    assert.equal(err.message, `aud "${ISSUER}/credential" is not the Credential Issuer Identifier "${ISSUER}" (looks like an endpoint URL, not the issuer identifier)`);
    assert.equal(found(err).aud, `${ISSUER}/credential`);
    assert.equal(err.diagnostic.expected, `aud = "${ISSUER}"`);
    assert.equal(err.diagnostic.path, `${PATH}.payload.aud`);
    assert.match((await refused(await sign(key, { jwk: key.jwk }, { ...basePayload(), aud: `${ISSUER}/` }), 'proof.jwt.aud')).message, /trailing slash/);
    assert.match((await refused(await sign(key, { jwk: key.jwk }, { ...basePayload(), aud: [ISSUER, 'x'] }), 'proof.jwt.aud')).message, /is not the string/);
    assert.match((await refused(await sign(key, { jwk: key.jwk }, { iat: NOW, nonce: 'n' }), 'proof.jwt.aud')).message, /no aud/);
  });

  it('iat missing, far in the future, too old, in milliseconds', async () => {
    const key = await newKey();
    const h = { jwk: key.jwk };
    assert.match((await refused(await sign(key, h, { aud: ISSUER, nonce: 'n' }), 'proof.jwt.iat_missing')).message, /no iat/);
    assert.match((await refused(await sign(key, h, { ...basePayload(), iat: String(NOW) }), 'proof.jwt.iat_missing')).message, /is a string/);
    const future = await refused(await sign(key, h, { ...basePayload(), iat: NOW + 3600 }), 'proof.jwt.iat_skew');
    assert.match(future.message, /3600s in the future/);
    assert.equal(found(future).iat, NOW + 3600);
    assert.match((await refused(await sign(key, h, { ...basePayload(), iat: NOW - 301 }), 'proof.jwt.iat_skew')).message, /301s old, more than 300s/);
    assert.match((await refused(await sign(key, h, { ...basePayload(), iat: NOW_MS }), 'proof.jwt.iat_skew')).message, /milliseconds/);
    // within the window
    await verifyJwtProof(deps, await sign(key, h, { ...basePayload(), iat: NOW + 59 }), policy, PATH);
    await verifyJwtProof(deps, await sign(key, h, { ...basePayload(), iat: NOW - 299 }), policy, PATH);
  });

  it('nonce missing when a nonce endpoint exists', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { jwk: key.jwk }, { aud: ISSUER, iat: NOW }), 'proof.jwt.nonce_missing');
    assert.deepEqual(found(err).payload_claims, ['aud', 'iat']);
    await refused(await sign(key, { jwk: key.jwk }, { ...basePayload(), nonce: 42 }), 'proof.jwt.nonce_missing');
  });

  it('signature by another key', async () => {
    const key = await newKey();
    const other = await newKey();
    const err = await refused(await sign(other, { jwk: key.jwk }), 'proof.jwt.signature');
    assert.equal(err.diagnostic.path, `${PATH}.signature`);
    // DER-encoded ECDSA signature
    const pk = createPrivateKey({ key: (await exportJWK(key.privateKey)) as never, format: 'jwk' });
    const input = `${b64url({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: key.jwk })}.${b64url(basePayload())}`;
    const der = nodeSign('sha256', Buffer.from(input), pk).toString('base64url');
    assert.match((await refused(`${input}.${der}`, 'proof.jwt.signature')).message, /looks DER-encoded/);
  });

  it('no key at all, or a kid that is not a resolvable DID', async () => {
    const key = await newKey();
    const none = await refused(await sign(key, {}), 'proof.jwt.no_key');
    assert.deepEqual(found(none).header_params, ['alg', 'typ']);
    assert.match(none.diagnostic.expected, /jwk.*x5c.*key_attestation.*DID URL/);

    const plain = await refused(await sign(key, { kid: 'key-1' }), 'proof.jwt.kid_not_resolvable');
    assert.deepEqual(found(plain).header_params, ['alg', 'typ', 'kid']);
    assert.equal(found(plain).kid, 'key-1');
    assert.match(plain.message, /kid "key-1" is not a DID URL/);
    assert.match((await refused(await sign(key, { kid: 'did:web:wallet.example#k1' }), 'proof.jwt.kid_not_resolvable')).message, /did:web, which needs network resolution/);
  });

  it('a key_attestation header that is not a key attestation JWT → key_attestation.malformed', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { kid: p256DidKey(key.jwk), key_attestation: 'eyJ.e30.sig' }), 'key_attestation.malformed');
    assert.equal(err.diagnostic.path, 'body.proofs.jwt[0].header.key_attestation');
  });

  it('jwk + kid → multiple_keys', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { jwk: key.jwk, kid: p256DidKey(key.jwk) }), 'proof.jwt.multiple_keys');
    assert.match(err.message, /jwk \+ kid/);
    assert.deepEqual(found(err).header_params, ['alg', 'typ', 'jwk', 'kid']);
  });

  it('private jwk, key type mismatch, invalid point', async () => {
    const key = await newKey();
    const privateJwk = await exportJWK(key.privateKey);
    const priv = await refused(await sign(key, { jwk: privateJwk }), 'proof.jwt.jwk_invalid');
    assert.match(priv.message, /private member\(s\) d/);

    const p384 = await newKey('ES384');
    const mismatch = await refused(await sign(key, { jwk: p384.jwk }), 'proof.jwt.jwk_invalid');
    assert.match(mismatch.message, /key type EC P-384 does not fit alg ES256, which needs EC P-256/);

    const ed = await newKey('EdDSA');
    const edDid = `did:key:z${base58btcEncode(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(ed.jwk.x!, 'base64url')]))}`;
    assert.match((await refused(await sign(key, { kid: edDid }), 'proof.jwt.did_invalid')).message, /OKP Ed25519 does not fit alg ES256/);

    const offCurve = { ...key.jwk, y: key.jwk.x };
    assert.match((await refused(await sign(key, { jwk: offCurve }), 'proof.jwt.jwk_invalid')).message, /cannot be imported/);
  });

  it('invalid DID in kid', async () => {
    const key = await newKey();
    const err = await refused(await sign(key, { kid: 'did:key:zDnBAD0' }), 'proof.jwt.did_invalid');
    assert.match(err.message, /not base58btc/);
    assert.match((await refused(await sign(key, { kid: `did:jwk:${b64url({ ...key.jwk, use: 'enc' })}#0` }), 'proof.jwt.did_invalid')).message, /use "enc"/);
  });

  it('crit extensions are refused', async () => {
    const key = await newKey();
    const input = `${b64url({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: key.jwk, crit: ['exp'], exp: 1 })}.${b64url(basePayload())}`;
    const pk = createPrivateKey({ key: (await exportJWK(key.privateKey)) as never, format: 'jwk' });
    const sig = nodeSign('sha256', Buffer.from(input), { key: pk, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const err = await refused(`${input}.${sig}`, 'proof.jwt.malformed');
    assert.equal(err.diagnostic.path, `${PATH}.header.crit`);
  });

  it('x5c that is base64url or not a certificate', async () => {
    const key = await newKey();
    assert.match((await refused(await sign(key, { x5c: ['MII_-abc'] }), 'proof.jwt.x5c_invalid')).message, /base64url-encoded/);
    assert.match((await refused(await sign(key, { x5c: [Buffer.from('nope').toString('base64')] }), 'proof.jwt.x5c_invalid')).message, /not a DER X.509 certificate/);
    assert.match((await refused(await sign(key, { x5c: 'MIIB' }), 'proof.jwt.x5c_invalid')).message, /non-empty array/);
  });
});

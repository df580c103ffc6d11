import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, generateKeyPairSync, generatePrimeSync, randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import { SignJWT } from 'jose';
import { AttesterKeyError, EMPTY_TRUST_LIST, resolveAttesterKey } from '../../src/crypto/attestation-trust.js';
import { publicJwkProblem, resolveDidKey } from '../../src/crypto/did-resolver.js';
import { MAX_X5C_CERTIFICATES } from '../../src/crypto/key-bounds.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { attestationPop } from '../helpers/attestation.js';
import { createOffer, newHolderKey, preAuthorizedCode, tokenRequest, type HolderKey } from '../helpers/wallet.js';

/**
 * Keys a client makes the issuer verify are bounded before any signature check: RSA moduli of
 * 2048-4096 bits with an odd exponent below 2^32, named EC curves, at most five certificates
 * per x5c. Before, a wallet attestation whose x5c chain held a 3072-bit RSA key with a
 * 3064-bit public exponent (OpenSSL bounds the exponent only above 3072 bits) cost tens of ms
 * per certificate at /token, verified before the pre-authorized code was even looked at.
 */

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const CLIENT_ID = 'https://wallet.example/rsa-test';
const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

interface SigningKey {
  publicKey: KeyObject;
  sign: CryptoKey;
  algorithm: typeof RSA_SHA256 | typeof ECDSA_SHA256;
  jwk: JsonWebKey;
}

const b64u = (n: bigint) => {
  const hex = n.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64url');
};
const modInverse = (a: bigint, m: bigint) => {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  return ((s0 % m) + m) % m;
};
const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** A valid 3072-bit RSA key whose public exponent has 3064 bits (any wallet provider can make one). */
async function hugeExponentRsaKey(): Promise<SigningKey> {
  const p = generatePrimeSync(1536, { bigint: true }) as bigint;
  const q = generatePrimeSync(1536, { bigint: true }) as bigint;
  const phi = (p - 1n) * (q - 1n);
  let e: bigint;
  do e = BigInt(`0x${randomBytes(383).toString('hex')}`) | 1n | (1n << 3063n);
  while (gcd(e, phi) !== 1n);
  const d = modInverse(e, phi);
  const jwk = { kty: 'RSA', n: b64u(p * q), e: b64u(e), d: b64u(d), p: b64u(p), q: b64u(q), dp: b64u(d % (p - 1n)), dq: b64u(d % (q - 1n)), qi: b64u(modInverse(q, p)) };
  const publicKey = createPublicKey(createPrivateKey({ key: jwk, format: 'jwk' }));
  return { publicKey, sign: await webcrypto.subtle.importKey('jwk', jwk, RSA_SHA256, false, ['sign']), algorithm: RSA_SHA256, jwk };
}

async function generatedKey(kind: 'ec' | 'rsa'): Promise<SigningKey> {
  const pair = kind === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const algorithm = kind === 'ec' ? ECDSA_SHA256 : RSA_SHA256;
  const jwk = pair.privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const sign = await webcrypto.subtle.importKey('jwk', jwk, kind === 'ec' ? { name: 'ECDSA', namedCurve: 'P-256' } : RSA_SHA256, false, ['sign']);
  return { publicKey: pair.publicKey, sign, algorithm, jwk };
}

async function certificate(subject: string, key: SigningKey, issuer: { name: string; key: SigningKey }, ca: boolean): Promise<string> {
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    subject: `CN=${subject}`,
    issuer: `CN=${issuer.name}`,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86_400_000),
    publicKey: new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' })),
    signingKey: issuer.key.sign,
    signingAlgorithm: issuer.key.algorithm,
    extensions: ca ? [new x509.BasicConstraintsExtension(true, 4, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true)] : [],
  });
  return Buffer.from(cert.rawData).toString('base64');
}

/**
 * x5c = [leaf, CA 1, …, CA n]: the leaf (the attester's EC key) is signed by CA 1, each CA by
 * the next one, all CAs holding `caKey`; the last is self-signed. Every link verifies.
 */
async function chain(caKey: SigningKey, cas: number): Promise<{ x5c: string[]; leafKey: KeyObject }> {
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafKey: SigningKey = { publicKey: leaf.publicKey, sign: undefined as never, algorithm: ECDSA_SHA256, jwk: {} };
  const x5c = [await certificate('attester', leafKey, { name: 'CA 1', key: caKey }, false)];
  for (let i = 1; i <= cas; i++) x5c.push(await certificate(`CA ${i}`, caKey, { name: `CA ${Math.min(i + 1, cas)}`, key: caKey }, true));
  return { x5c, leafKey: leaf.privateKey };
}

async function attestationHeaders(issuer: RunningIssuer, x5c: string[], leafKey: KeyObject, instance: HolderKey) {
  const now = Math.floor(Date.now() / 1000);
  const attestation = await new SignJWT({ iss: 'https://provider.example', sub: CLIENT_ID, iat: now - 5, exp: now + 3600, cnf: { jwk: instance.publicJwk } })
    .setProtectedHeader({ alg: 'ES256', typ: 'oauth-client-attestation+jwt', x5c })
    .sign(leafKey);
  return {
    'OAuth-Client-Attestation': attestation,
    'OAuth-Client-Attestation-PoP': await attestationPop(instance, { aud: issuer.baseUrl, iss: CLIENT_ID }),
  };
}

const errorCodes = async (issuer: RunningIssuer, sessionId: string) =>
  ((await admin(issuer, 'GET', `/sessions/${sessionId}/logs?level=error&limit=100`)).body.logs as { data?: { code?: string } }[]).map((l) => l.data?.code);

let huge: SigningKey;
let rsa2048: SigningKey;
let ec: SigningKey;
before(async () => {
  [huge, rsa2048, ec] = await Promise.all([hugeExponentRsaKey(), generatedKey('rsa'), generatedKey('ec')]);
});

describe('wallet attestation x5c at /token (playground mode, no trust list)', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  async function redeemWith(x5c: string[], leafKey: KeyObject) {
    const offer = await createOffer(issuer);
    const res = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) }, await attestationHeaders(issuer, x5c, leafKey, await newHolderKey()));
    return { res, offer };
  }

  it('refuses a chain holding a 3064-bit RSA public exponent with invalid_client (client_attestation.x5c_invalid)', async () => {
    const { x5c, leafKey } = await chain(huge, 1);
    const { res, offer } = await redeemWith(x5c, leafKey);
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok((await errorCodes(issuer, offer.session_id)).includes('client_attestation.x5c_invalid'));
  });

  it('accepts a chain whose CA is RSA 2048 with e = 65537', async () => {
    const { x5c, leafKey } = await chain(rsa2048, 1);
    const { res } = await redeemWith(x5c, leafKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  it(`refuses more than ${MAX_X5C_CERTIFICATES} certificates before reading them`, async () => {
    const { x5c, leafKey } = await chain(ec, MAX_X5C_CERTIFICATES);
    assert.equal(x5c.length, MAX_X5C_CERTIFICATES + 1);
    const { res, offer } = await redeemWith(x5c, leafKey);
    assert.equal(res.status, 401);
    assert.ok((await errorCodes(issuer, offer.session_id)).includes('client_attestation.x5c_invalid'));
  });

  it('costs no more than a chain of EC certificates of the same length (ratio of medians < 3)', async (t) => {
    const expensive = await chain(huge, MAX_X5C_CERTIFICATES - 1);
    const normal = await chain(ec, MAX_X5C_CERTIFICATES - 1);
    const offer = await createOffer(issuer);
    const form = { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) };
    const instance = await newHolderKey();
    const timed = async (c: { x5c: string[]; leafKey: KeyObject }) => {
      const headers = await attestationHeaders(issuer, c.x5c, c.leafKey, instance);
      const started = process.hrtime.bigint();
      await tokenRequest(issuer, form, headers);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [slow, fast]: number[][] = [[], []];
    for (let i = 0; i < 7; i++) {
      slow.push(await timed(expensive));
      fast.push(await timed(normal));
    }
    t.diagnostic(`huge-exponent chain ${median(slow).toFixed(1)} ms, EC chain ${median(fast).toFixed(1)} ms (medians of 7)`);
    assert.ok(median(slow) < 3 * median(fast), `huge-exponent chain ${median(slow).toFixed(1)} ms vs EC chain ${median(fast).toFixed(1)} ms (medians of 7)`);
  });

  it('refuses an unknown pre-authorized code before verifying the attestation (invalid_grant, not invalid_client)', async () => {
    const { x5c, leafKey } = await chain(ec, 1);
    const headers = await attestationHeaders(issuer, x5c, leafKey, await newHolderKey());
    const [head, payload, signature] = headers['OAuth-Client-Attestation'].split('.');
    const forged = `${head}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const res = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': 'not-a-code-of-this-issuer' }, { ...headers, 'OAuth-Client-Attestation': forged });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
  });
});

describe('key bounds shared by every verifier of client keys', () => {
  it('refuses RSA JWKs outside 2048-4096 bits or with an exponent of 2^32 or more (proofs, DPoP, attested keys, cnf)', () => {
    const pub = (key: KeyObject) => key.export({ format: 'jwk' }) as Record<string, unknown>;
    assert.equal(publicJwkProblem(pub(rsa2048.publicKey)), undefined);
    assert.match(publicJwkProblem(pub(huge.publicKey)) ?? '', /3064-bit RSA public exponent/);
    assert.match(publicJwkProblem({ kty: 'RSA', n: Buffer.alloc(1024, 0xff).toString('base64url'), e: 'AQAB' }) ?? '', /8192-bit RSA modulus/);
    assert.match(publicJwkProblem({ kty: 'RSA', n: Buffer.alloc(128, 0xff).toString('base64url'), e: 'AQAB' }) ?? '', /1024-bit RSA modulus/);
    assert.match(publicJwkProblem({ kty: 'RSA', n: Buffer.alloc(256, 0xff).toString('base64url'), e: 'AAE' }) ?? '', /not an odd number of at least 3/);
  });

  it('refuses a did:jwk holding the huge-exponent key before any signature is checked', () => {
    const did = `did:jwk:${Buffer.from(JSON.stringify({ kty: 'RSA', n: huge.jwk.n, e: huge.jwk.e })).toString('base64url')}`;
    assert.throws(() => resolveDidKey(`${did}#0`), /RSA public exponent/);
  });

  it('refuses the huge-exponent CA in a key attestation chain too (one resolver for wallet and key attestations)', async () => {
    const { x5c } = await chain(huge, 1);
    assert.throws(() => resolveAttesterKey({ x5c }, EMPTY_TRUST_LIST, Date.now()), (e: unknown) => e instanceof AttesterKeyError && /x5c\[1\].*RSA public exponent/.test((e as Error).message));
  });
});

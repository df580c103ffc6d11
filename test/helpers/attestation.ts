import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { exportJWK, SignJWT, type JWK } from 'jose';
import { createDocumentSignerCertificate, createIacaRootCertificate, generateP256KeyPair, pemCertificatesToDer } from '../../src/crypto/certificates.js';
import type { HolderKey } from './wallet.js';

/**
 * A test wallet provider: an X.509 root and an attester certificate under it (x5c, HAIP
 * style), plus the attester key as a plain JWK with a kid (trust-list "jwks" style). Wallet
 * attestations (ABCA -07 §5.1), their PoP (§5.2) and key attestations (OID4VCI 1.0 App. D)
 * are signed here with jose, independently of the issuer's code.
 */
export interface Attester {
  name: string;
  signingKey: KeyObject;
  publicJwk: JWK;
  kid: string;
  rootPem: string;
  /** x5c of the attester: the leaf only (the trust anchor is not sent, HAIP 1.0 §4.3). */
  x5c: string[];
}

export async function newAttester(name = 'wallet-provider.test'): Promise<Attester> {
  const root = generateP256KeyPair();
  const now = Date.now();
  const rootCert = await createIacaRootCertificate({ keyPair: root, issuerName: name, country: 'UT', notBefore: new Date(now - 3600_000), notAfter: new Date(now + 10 * 86_400_000) });
  const leaf = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafCert = await createDocumentSignerCertificate({
    publicKey: leaf.publicKey,
    rootPrivateKey: root.privateKey,
    rootCertificate: rootCert.pem,
    issuerName: name,
    country: 'UT',
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 5 * 86_400_000),
  });
  const full = await exportJWK(leaf.publicKey);
  return {
    name,
    signingKey: leaf.privateKey,
    publicJwk: { kty: full.kty, crv: full.crv, x: full.x, y: full.y },
    kid: `${name}#1`,
    rootPem: rootCert.pem,
    x5c: [Buffer.from(pemCertificatesToDer(leafCert.pem)[0]).toString('base64')],
  };
}

/** WALLET_ATTESTATION_TRUST value: inline JSON with roots and/or keys. */
export function trustList(opts: { roots?: Attester[]; keys?: Attester[] }): string {
  return JSON.stringify({
    x509_roots: (opts.roots ?? []).map((a) => a.rootPem),
    jwks: { keys: (opts.keys ?? []).map((a) => ({ ...a.publicJwk, kid: a.kid })) },
  });
}

const seconds = () => Math.floor(Date.now() / 1000);

export async function walletAttestation(
  attester: Attester,
  opts: { sub: string; instanceKey: HolderKey; via?: 'x5c' | 'kid' | 'jwk'; exp?: number; iss?: string | null; header?: Record<string, unknown>; claims?: Record<string, unknown> },
): Promise<string> {
  const via = opts.via ?? 'x5c';
  const keyHeader = via === 'x5c' ? { x5c: attester.x5c } : via === 'kid' ? { kid: attester.kid } : { jwk: attester.publicJwk };
  return new SignJWT({
    ...(opts.iss === null ? {} : { iss: opts.iss ?? `https://${attester.name}` }),
    sub: opts.sub,
    iat: seconds() - 5,
    exp: opts.exp ?? seconds() + 3600,
    cnf: { jwk: opts.instanceKey.publicJwk },
    wallet_name: 'Test Wallet',
    ...opts.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'oauth-client-attestation+jwt', ...keyHeader, ...opts.header } as never)
    .sign(attester.signingKey);
}

export async function attestationPop(instanceKey: HolderKey, opts: { aud: string; iss?: string | null; jti?: string; iat?: number; typ?: string; claims?: Record<string, unknown> }): Promise<string> {
  return new SignJWT({
    ...(opts.iss === null || opts.iss === undefined ? {} : { iss: opts.iss }),
    aud: opts.aud,
    jti: opts.jti ?? randomBytes(16).toString('base64url'),
    iat: opts.iat ?? seconds(),
    ...opts.claims,
  })
    .setProtectedHeader({ alg: 'ES256', typ: opts.typ ?? 'oauth-client-attestation-pop+jwt' })
    .sign(instanceKey.privateKey);
}

export async function keyAttestation(
  attester: Attester,
  opts: { attestedKeys: JWK[]; nonce?: string; exp?: number | null; keyStorage?: string[]; userAuthentication?: string[]; typ?: string; via?: 'x5c' | 'kid' | 'jwk' },
): Promise<string> {
  const via = opts.via ?? 'x5c';
  const keyHeader = via === 'x5c' ? { x5c: attester.x5c } : via === 'kid' ? { kid: attester.kid } : { jwk: attester.publicJwk };
  return new SignJWT({
    iat: seconds() - 5,
    ...(opts.exp === null ? {} : { exp: opts.exp ?? seconds() + 3600 }),
    attested_keys: opts.attestedKeys,
    ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    ...(opts.keyStorage ? { key_storage: opts.keyStorage } : {}),
    ...(opts.userAuthentication ? { user_authentication: opts.userAuthentication } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: opts.typ ?? 'key-attestation+jwt', ...keyHeader } as never)
    .sign(attester.signingKey);
}

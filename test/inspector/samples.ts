/** Sample artefacts for inspector tests: keys, certificate chains, proofs, DPoP, attestations. */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { base58btcEncode } from '../../src/crypto/did-resolver.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface SampleKey { privateKey: CryptoKey; publicKey: CryptoKey; jwk: JWK }

export async function sampleKey(): Promise<SampleKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const full = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk: { kty: full.kty, crv: full.crv, x: full.x, y: full.y } };
}

export async function signJws(key: SampleKey, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'ES256', ...header } as never).sign(key.privateKey);
}

/** did:key in the jwk_jcs-pub form (multicodec 0xeb51, varint d1 d6 03), as EBSI-style wallets send it. */
export function jwkJcsDidKey(jwk: JWK): string {
  const jcs = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return `did:key:z${base58btcEncode(Buffer.concat([Buffer.from([0xd1, 0xd6, 0x03]), Buffer.from(jcs)]))}`;
}

/** A CA and a leaf issued by it, valid around `nowMs`; x5c = [leaf] (trust anchor excluded, HAIP). */
export async function sampleChain(nowMs: number): Promise<{ leafKey: SampleKey; x5c: string[]; caPem: string }> {
  const ca = await sampleKey();
  const leafKey = await sampleKey();
  const notBefore = new Date(nowMs - 86_400_000);
  const notAfter = new Date(nowMs + 86_400_000);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01', name: 'CN=Test Attester CA', notBefore, notAfter,
    keys: { privateKey: ca.privateKey, publicKey: ca.publicKey }, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '02', subject: 'CN=Test Attester', issuer: caCert.subject, notBefore, notAfter,
    signingKey: ca.privateKey, publicKey: leafKey.publicKey, signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  return { leafKey, x5c: [Buffer.from(leaf.rawData).toString('base64')], caPem: caCert.toString('pem') };
}

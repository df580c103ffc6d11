import { BoundedCache } from '../core/bounded-cache.js';
import { constants, createPublicKey, verify, type JsonWebKey, type KeyObject, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto';

/**
 * JWS signature checks (RFC 7515 §5.2 step 8) over node:crypto, for every asymmetric alg the
 * issuer accepts (WebCrypto, which jose uses, has no secp256k1). Callers have already matched
 * the key to the alg (proof-key.ts, jwt-checks.ts) and checked the signature length.
 *
 * Why not jose here: on Node 20 it imports every JWK through WebCrypto, which profiling put
 * at the top of the proof check (a cold key per credential, as wallets use); node:crypto
 * imports it in about half the time and verifies on libuv's thread pool, off the event loop.
 */
const HASH: Record<string, string> = {
  ES256: 'sha256', ES256K: 'sha256', ES384: 'sha384', ES512: 'sha512',
  RS256: 'sha256', RS384: 'sha384', RS512: 'sha512',
  PS256: 'sha256', PS384: 'sha384', PS512: 'sha512',
};

/** Throws on a JWK that is not a usable public key (bad point, wrong parameters). */
export function jwsPublicKey(jwk: Record<string, unknown>): KeyObject {
  return createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
}

/**
 * Imported keys by RFC 7638 thumbprint, bounded in entries and bytes (the least recently used
 * goes first): importing costs more than a verification, and a wallet proving the same key
 * again, or the self-check verifying every credential against this issuer's key, then skips it.
 */
const imported = new BoundedCache<string, KeyObject>({
  maxEntries: 10_000,
  maxBytes: 8 * 1024 * 1024,
  // The thumbprint, plus the key's native size: an RSA modulus, or ~200 bytes for EC/OKP.
  sizeOf: (thumbprint, key) => thumbprint.length + 200 + Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8),
});

export function cachedJwsPublicKey(jwk: Record<string, unknown>, thumbprint: string): KeyObject {
  let key = imported.get(thumbprint);
  if (!key) {
    key = jwsPublicKey(jwk);
    imported.set(thumbprint, key);
  }
  return key;
}

export function importedKeyCount(): number {
  return imported.size;
}

export function importedKeyBytes(): number {
  return imported.bytes;
}

export function clearImportedKeys(): void {
  imported.clear();
}

function verifyParams(alg: string, key: KeyObject): { hash: string | null; key: VerifyKeyObjectInput | VerifyPublicKeyInput | KeyObject } {
  if (alg === 'EdDSA' || alg === 'Ed25519') return { hash: null, key };
  const hash = HASH[alg];
  if (!hash) throw new Error(`unsupported JWS alg ${alg}`);
  if (alg.startsWith('PS')) return { hash, key: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } };
  return { hash, key: alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key };
}

/** `signingInput` is "header.payload" as sent; `signature` the third part, base64url. */
export function jwsSignatureValid(signingInput: string, signature: string, alg: string, key: KeyObject): boolean {
  const p = verifyParams(alg, key);
  return verify(p.hash, Buffer.from(signingInput), p.key, Buffer.from(signature, 'base64url'));
}

/** The same check on the thread pool: the event loop stays free while the curve math runs. */
export function jwsSignatureValidAsync(signingInput: string, signature: string, alg: string, key: KeyObject): Promise<boolean> {
  const p = verifyParams(alg, key);
  return new Promise((resolve, reject) =>
    verify(p.hash, Buffer.from(signingInput), p.key, Buffer.from(signature, 'base64url'), (err, ok) => (err ? reject(err) : resolve(ok))),
  );
}

import type { KeyObject, X509Certificate } from 'node:crypto';

/**
 * Bounds on the public keys and certificate chains a client may make this issuer verify, so
 * one request cannot buy seconds of CPU: an RSA signature check costs in proportion to the
 * bits of the public exponent, and OpenSSL bounds the exponent only above 3072-bit moduli (a
 * 3072-bit key with a 3064-bit exponent cost ~6 ms per check, 13 of them fit in one attestation).
 *
 * RSA stays accepted within the bounds — HAIP needs only ES256, but a wallet provider's CA may
 * be RSA, and RS256/PS256 proofs are legal in OID4VCI 1.0 — with the modulus between 2048 (NIST
 * SP 800-131A) and 4096 bits and the exponent odd and below 2^32 (65537 in practice).
 * Checked before any signature is verified, on keys as JWKs and in certificates alike.
 */
export const RSA_MODULUS_BITS = { min: 2048, max: 4096 } as const;
export const RSA_PUBLIC_EXPONENT_MAX_BITS = 32;
/** Certificates read from one x5c header (leaf and intermediates; HAIP: no trust anchor). */
export const MAX_X5C_CERTIFICATES = 5;
/** One DER certificate, base64 (a certificate with a 4096-bit RSA key is ~2 KiB of DER). */
export const MAX_X5C_CERTIFICATE_CHARS = 8192;

const EC_CURVES = new Set(['prime256v1', 'secp384r1', 'secp521r1', 'secp256k1']);

/** Why an RSA modulus / public exponent (big-endian bytes) is out of bounds, or undefined. */
export function rsaParametersProblem(modulus: Uint8Array, exponent: Uint8Array): string | undefined {
  const n = bitLength(modulus);
  if (n < RSA_MODULUS_BITS.min || n > RSA_MODULUS_BITS.max) return `has a ${n}-bit RSA modulus; accepted: ${RSA_MODULUS_BITS.min} to ${RSA_MODULUS_BITS.max} bits`;
  const e = bitLength(exponent);
  if (e > RSA_PUBLIC_EXPONENT_MAX_BITS) return `has a ${e}-bit RSA public exponent; accepted: below 2^${RSA_PUBLIC_EXPONENT_MAX_BITS} (65537 in practice)`;
  if (e < 2 || (exponent[exponent.length - 1] & 1) === 0) return 'has an RSA public exponent that is not an odd number of at least 3';
  return undefined;
}

/** Why a public key (from a certificate) may not be used to verify a client's signature, or undefined. */
export function publicKeyBoundsProblem(key: KeyObject): string | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
    case 'rsa-pss': {
      const modulusBits = details.modulusLength ?? 0;
      const exponent = details.publicExponent ?? 0n;
      if (modulusBits < RSA_MODULUS_BITS.min || modulusBits > RSA_MODULUS_BITS.max) return `has a ${modulusBits}-bit RSA modulus; accepted: ${RSA_MODULUS_BITS.min} to ${RSA_MODULUS_BITS.max} bits`;
      const exponentBits = exponent.toString(2).length;
      if (exponentBits > RSA_PUBLIC_EXPONENT_MAX_BITS) return `has a ${exponentBits}-bit RSA public exponent; accepted: below 2^${RSA_PUBLIC_EXPONENT_MAX_BITS} (65537 in practice)`;
      if (exponent < 3n || exponent % 2n === 0n) return 'has an RSA public exponent that is not an odd number of at least 3';
      return undefined;
    }
    case 'ec':
      return EC_CURVES.has(details.namedCurve ?? '') ? undefined : `has an EC key on curve ${details.namedCurve ?? '(explicit parameters)'}; accepted: P-256, P-384, P-521, secp256k1`;
    case 'ed25519':
    case 'ed448':
      return undefined;
    default:
      return `has a ${key.asymmetricKeyType ?? 'unknown'} key, which cannot verify signatures here (accepted: EC, Ed25519, RSA)`;
  }
}

/** Bounds of one certificate's key, named for a diagnostic ("x5c[2] has a 1024-bit RSA modulus; ..."). */
export function certificateKeyProblem(cert: X509Certificate): string | undefined {
  return publicKeyBoundsProblem(cert.publicKey);
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]));
}

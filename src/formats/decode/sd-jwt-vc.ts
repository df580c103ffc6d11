/**
 * Decoding of an SD-JWT VC (RFC 9901, SD-JWT VC draft): the issuer-signed JWT, each disclosure
 * with its digest, the claims with disclosures applied (@sd-jwt/decode), and the integrity facts
 * a verifier needs: disclosures not referenced by any digest (RFC 9901 §7.1 says reject),
 * repeated salts. No signature check here.
 */
import { parseJsonLimited } from '../../core/input-limits.js';
import { createHash } from 'node:crypto';
import { getClaimsSync, splitSdJwt } from '@sd-jwt/decode';
import { Disclosure } from '@sd-jwt/utils';
import { DecodeError, decodeJwt, type DecodedJwt } from './jwt.js';

export interface DecodedDisclosure {
  encoded: string;
  digest: string;
  salt: string;
  /** Absent for array-element disclosures `[salt, value]`. */
  name?: string;
  value: unknown;
  referenced: boolean;
}

export interface DecodedSdJwtVc {
  issuerJwt: DecodedJwt & { compact: string };
  disclosures: DecodedDisclosure[];
  /** The payload with every disclosure applied and `_sd`, `_sd_alg`, `...` removed. */
  claims: Record<string, unknown>;
  kbJwt?: DecodedJwt;
  hashAlg: string;
  /** Compact form ends with `~` when no KB-JWT follows (RFC 9901 §4). */
  endsWithTilde: boolean;
}

const HASHES: Record<string, string> = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' };

function hasherFor(alg: string) {
  const node = HASHES[alg.toLowerCase()];
  if (!node) throw new DecodeError(`_sd_alg ${alg} is not supported (expected sha-256)`);
  return (data: string | ArrayBuffer) => new Uint8Array(createHash(node).update(typeof data === 'string' ? data : Buffer.from(data)).digest());
}

/** Digests named by `_sd` arrays and `{"...": digest}` array elements, anywhere in `value`. */
function collectDigests(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) value.forEach((v) => collectDigests(v, into));
  else if (value && typeof value === 'object') {
    for (const [k, inner] of Object.entries(value)) {
      if (k === '_sd' && Array.isArray(inner)) inner.forEach((d) => into.add(String(d)));
      else if (k === '...' && typeof inner === 'string') into.add(inner);
      else collectDigests(inner, into);
    }
  }
}

export function decodeSdJwtVc(compact: string): DecodedSdJwtVc {
  const text = compact.trim();
  if (!text.includes('~')) throw new DecodeError('an SD-JWT has "~"-separated parts; none found');
  const split = splitSdJwt(text);
  const issuerJwt = { ...decodeJwt(split.jwt), compact: split.jwt };
  const hashAlg = typeof issuerJwt.payload._sd_alg === 'string' ? issuerJwt.payload._sd_alg : 'sha-256';
  const hasher = hasherFor(hashAlg);
  const referenced = new Set<string>();
  collectDigests(issuerJwt.payload, referenced);
  const parsed: Disclosure[] = [];
  const disclosures: DecodedDisclosure[] = split.disclosures.map((encoded, i) => {
    let array: unknown;
    try {
      array = parseJsonLimited(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      throw new DecodeError(`disclosure ${i} is not base64url JSON`);
    }
    if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3) || typeof array[0] !== 'string') {
      throw new DecodeError(`disclosure ${i} is not [salt, name, value] or [salt, value]`);
    }
    const digest = Buffer.from(hasher(encoded)).toString('base64url');
    collectDigests(array.at(-1), referenced);
    parsed.push(Disclosure.fromArray(array as [string, string, unknown], { digest, encoded }));
    return { encoded, digest, salt: array[0], ...(array.length === 3 ? { name: String(array[1]) } : {}), value: array.at(-1), referenced: false };
  });
  for (const d of disclosures) d.referenced = referenced.has(d.digest);
  // The library hashes every disclosure again to map digests; hand it the digests just computed.
  const known = new Map(disclosures.map((d) => [d.encoded, d.digest]));
  const claims = getClaimsSync<Record<string, unknown>>(issuerJwt.payload, parsed, (data) => {
    const digest = typeof data === 'string' ? known.get(data) : undefined;
    return digest ? new Uint8Array(Buffer.from(digest, 'base64url')) : hasher(data);
  });
  return {
    issuerJwt,
    disclosures,
    claims,
    ...(split.kbJwt ? { kbJwt: decodeJwt(split.kbJwt) } : {}),
    hashAlg,
    endsWithTilde: text.endsWith('~'),
  };
}

/** Cheap detection: a JWT followed by `~`. */
export function looksLikeSdJwt(text: string): boolean {
  const first = text.trim().split('~')[0];
  return text.includes('~') && first.split('.').length === 3;
}

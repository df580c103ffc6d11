/**
 * Decoding of an SD-JWT VC (RFC 9901, SD-JWT VC draft): the issuer-signed JWT, each disclosure
 * with its digest, the claims with disclosures applied (@sd-jwt/decode), and the integrity facts
 * a verifier needs: disclosures not referenced by any digest (RFC 9901 §7.1 says reject),
 * repeated salts. No signature check here.
 */
import { parseJsonLimited } from '../../core/input-limits.js';
import { createHash, hash as oneShotHash } from 'node:crypto';
import { getClaimsSync } from '@sd-jwt/decode';
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

/** The parts of an SD-JWT and their integrity facts, without the claims reconstructed. */
export interface SdJwtParts {
  issuerJwt: DecodedJwt & { compact: string };
  disclosures: DecodedDisclosure[];
  kbJwt?: DecodedJwt;
  hashAlg: string;
  /** Compact form ends with `~` when no KB-JWT follows (RFC 9901 §4). */
  endsWithTilde: boolean;
}

export interface DecodedSdJwtVc extends SdJwtParts {
  /** The payload with every disclosure applied and `_sd`, `_sd_alg`, `...` removed. */
  claims: Record<string, unknown>;
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

/**
 * Splits an SD-JWT and reads every part: the issuer-signed JWT, each disclosure with its digest
 * and whether a digest in the payload or in another disclosure references it, the KB-JWT.
 * Enough to judge the credential; `decodeSdJwtVc` adds the claims for display.
 */
export function readSdJwt(compact: string): SdJwtParts {
  const text = compact.trim();
  if (!text.includes('~')) throw new DecodeError('an SD-JWT has "~"-separated parts; none found');
  // <JWT>~<disclosure>~...~[<KB-JWT>] (RFC 9901 §4): the last part is the KB-JWT or empty.
  const parts = text.split('~');
  const jwt = parts[0];
  const kb = parts[parts.length - 1];
  const issuerJwt = { ...decodeJwt(jwt), compact: jwt };
  const hashAlg = typeof issuerJwt.payload._sd_alg === 'string' ? issuerJwt.payload._sd_alg : 'sha-256';
  const digestOf = digesterFor(hashAlg);
  const referenced = new Set<string>();
  collectDigests(issuerJwt.payload, referenced);
  const disclosures: DecodedDisclosure[] = [];
  for (let i = 1; i < parts.length - 1; i++) {
    const encoded = parts[i];
    let array: unknown;
    try {
      array = parseJsonLimited(Buffer.from(encoded, 'base64url').toString('utf8'));
    } catch {
      throw new DecodeError(`disclosure ${i - 1} is not base64url JSON`);
    }
    if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3) || typeof array[0] !== 'string') {
      throw new DecodeError(`disclosure ${i - 1} is not [salt, name, value] or [salt, value]`);
    }
    const value: unknown = array[array.length - 1];
    if (value !== null && typeof value === 'object') collectDigests(value, referenced);
    disclosures.push({ encoded, digest: digestOf(encoded), salt: array[0], ...(array.length === 3 ? { name: String(array[1]) } : {}), value, referenced: false });
  }
  for (const d of disclosures) d.referenced = referenced.has(d.digest);
  return {
    issuerJwt,
    disclosures,
    ...(kb ? { kbJwt: decodeJwt(kb) } : {}),
    hashAlg,
    endsWithTilde: text.endsWith('~'),
  };
}

/** base64url digest of a disclosure's ASCII text under `_sd_alg` (one-shot hash where Node has it). */
function digesterFor(alg: string): (encoded: string) => string {
  const node = HASHES[alg.toLowerCase()];
  if (!node) throw new DecodeError(`_sd_alg ${alg} is not supported (expected sha-256)`);
  return typeof oneShotHash === 'function'
    ? (encoded) => oneShotHash(node, encoded, 'base64url')
    : (encoded) => createHash(node).update(encoded).digest('base64url');
}

export function decodeSdJwtVc(compact: string): DecodedSdJwtVc {
  const read = readSdJwt(compact);
  // @sd-jwt/decode applies the disclosures; it hashes every one again to map digests, so it is
  // handed the digests just computed.
  const hasher = hasherFor(read.hashAlg);
  const parsed = read.disclosures.map((d) => Disclosure.fromArray((d.name !== undefined ? [d.salt, d.name, d.value] : [d.salt, d.value]) as [string, string, unknown], { digest: d.digest, encoded: d.encoded }));
  const known = new Map(read.disclosures.map((d) => [d.encoded, d.digest]));
  const claims = getClaimsSync<Record<string, unknown>>(read.issuerJwt.payload, parsed, (data) => {
    const digest = typeof data === 'string' ? known.get(data) : undefined;
    return digest ? new Uint8Array(Buffer.from(digest, 'base64url')) : hasher(data);
  });
  return { ...read, claims };
}

/** Cheap detection: a JWT followed by `~`. */
export function looksLikeSdJwt(text: string): boolean {
  const tilde = text.indexOf('~');
  if (tilde < 0) return false;
  // Exactly two dots before the first '~' (a credential is some KiB: no split of all of it).
  const first = text.indexOf('.');
  const second = first < 0 ? -1 : text.indexOf('.', first + 1);
  return second >= 0 && second < tilde && text.lastIndexOf('.', tilde) === second;
}

/**
 * Local resolution of self-contained DIDs (did:key, did:jwk) to a public JWK.
 * The key *is* the identifier, so this is pure decoding: no network, no registry.
 * See /work/shared/spec/did-keys.md for the encodings and a worked example.
 */
import { parseJsonLimited } from '../core/input-limits.js';
import { ECDH, createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { rsaParametersProblem } from './key-bounds.js';

export type DidRepresentation =
  | 'did:key:p256'
  | 'did:key:p384'
  | 'did:key:p521'
  | 'did:key:secp256k1'
  | 'did:key:ed25519'
  | 'did:key:jwk_jcs'
  | 'did:jwk';

export interface ResolvedDid {
  /** The DID without fragment. */
  did: string;
  /** The input, as given. */
  didUrl: string;
  /** Fragment without `#`, when present. */
  fragment?: string;
  /** Public JWK, key-material members only. */
  jwk: JWK;
  representation: DidRepresentation;
  hadFragment: boolean;
}

export class DidResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DidResolutionError';
  }
}

// ---- base58btc (Bitcoin alphabet) --------------------------------------------------------

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Int8Array(128).fill(-1);
for (let i = 0; i < B58.length; i++) B58_INDEX[B58.charCodeAt(i)] = i;

/**
 * Decodes base58btc (without the multibase `z`). Throws DidResolutionError naming the bad
 * character. Quadratic in the length like every base conversion, so callers bound the length
 * first; nine digits at a time into a BigInt (58^9 < 2^53) keep the constant small (a
 * 2,048-character value in ~0.2 ms instead of ~10 ms byte by byte).
 */
export function base58btcDecode(text: string): Uint8Array {
  let zeros = 0;
  while (zeros < text.length && text[zeros] === '1') zeros++;
  let value = 0n;
  for (let i = zeros; i < text.length; i += 9) {
    let chunk = 0;
    let scale = 1;
    for (let k = i; k < Math.min(i + 9, text.length); k++) {
      const code = text.charCodeAt(k);
      const digit = code < 128 ? B58_INDEX[code] : -1;
      if (digit < 0) {
        throw new DidResolutionError(
          `not base58btc: character ${JSON.stringify(text[k])} at position ${k} is not in the Bitcoin base58 alphabet (no 0, O, I, l)`,
        );
      }
      chunk = chunk * 58 + digit;
      scale *= 58;
    }
    value = value * BigInt(scale) + BigInt(chunk);
  }
  let hex = value === 0n ? '' : value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const out = new Uint8Array(zeros + hex.length / 2);
  out.set(Buffer.from(hex, 'hex'), zeros);
  return out;
}

export function base58btcEncode(data: Uint8Array): string {
  let zeros = 0;
  while (zeros < data.length && data[zeros] === 0) zeros++;
  const digits: number[] = []; // little-endian base 58
  for (let i = zeros; i < data.length; i++) {
    let carry = data[i];
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j] << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) { digits.push(carry % 58); carry = (carry / 58) | 0; }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += B58[digits[i]];
  return out;
}

// ---- unsigned varint (multiformats: LEB128, minimal, at most 9 bytes) ------------------

export function readVarint(bytes: Uint8Array, offset = 0): { value: number; length: number } {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    const pos = offset + i;
    if (pos >= bytes.length) throw new DidResolutionError('bad varint: multicodec prefix is truncated (last byte has the continuation bit set)');
    const byte = bytes[pos];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw new DidResolutionError('bad varint: multicodec prefix is not minimally encoded (trailing 0x00 group)');
      if (!Number.isSafeInteger(value)) throw new DidResolutionError('bad varint: multicodec value too large');
      return { value, length: i + 1 };
    }
  }
  throw new DidResolutionError('bad varint: multicodec prefix longer than 9 bytes');
}

// ---- public JWK checks (shared with the proof verifier) ---------------------------------

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const EC_SIZES: Record<string, number> = { 'P-256': 32, 'P-384': 48, 'P-521': 66, secp256k1: 32 };
const B64URL = /^[A-Za-z0-9_-]+$/;

function b64urlLength(value: unknown): number {
  if (typeof value !== 'string' || !B64URL.test(value) || value.length % 4 === 1) return -1;
  return Math.floor((value.length * 3) / 4);
}

/**
 * Structural problem of a value meant to be a public signature JWK, or undefined when fine.
 * Does not check that an EC point lies on the curve (see `publicJwkKeyProblem`).
 */
export function publicJwkProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not a JSON object';
  const jwk = value as Record<string, unknown>;
  const privateFound = PRIVATE_MEMBERS.filter((m) => jwk[m] !== undefined);
  if (privateFound.length > 0) return `contains private member(s) ${privateFound.join(', ')}: only the public key may be sent`;
  if (typeof jwk.kty !== 'string') return 'has no kty';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `has use ${JSON.stringify(jwk.use)}: only a signing key (use "sig" or no use) can verify a proof`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return 'has key_ops without "verify"';
  switch (jwk.kty) {
    case 'EC': {
      const size = typeof jwk.crv === 'string' ? EC_SIZES[jwk.crv] : undefined;
      if (size === undefined) return `has unsupported EC crv ${JSON.stringify(jwk.crv)} (expected P-256, P-384, P-521 or secp256k1)`;
      for (const m of ['x', 'y'] as const) {
        const len = b64urlLength(jwk[m]);
        if (len !== size) return `has ${m} that is not ${size} base64url-encoded bytes for ${jwk.crv}${len >= 0 ? ` (got ${len})` : ''}`;
      }
      return undefined;
    }
    case 'OKP':
      if (jwk.crv !== 'Ed25519') {
        return jwk.crv === 'X25519'
          ? 'is an X25519 key-agreement key, which cannot sign'
          : `has unsupported OKP crv ${JSON.stringify(jwk.crv)} (expected Ed25519)`;
      }
      if (b64urlLength(jwk.x) !== 32) return 'has x that is not 32 base64url-encoded bytes for Ed25519';
      return undefined;
    case 'RSA': {
      if (b64urlLength(jwk.n) <= 0) return 'has no valid n';
      if (b64urlLength(jwk.e) <= 0) return 'has no valid e';
      // Bounded before any import or signature check: the exponent sets the cost of a verification.
      return rsaParametersProblem(Buffer.from(jwk.n as string, 'base64url'), Buffer.from(jwk.e as string, 'base64url'));
    }
    case 'oct':
      return 'is a symmetric (oct) key';
    default:
      return `has unsupported kty ${JSON.stringify(jwk.kty)}`;
  }
}

/** Key-material members only, so nothing but the key travels into a credential's cnf. */
export function minimalPublicJwk(jwk: Record<string, unknown>): JWK {
  switch (jwk.kty) {
    case 'EC': return { kty: 'EC', crv: jwk.crv as string, x: jwk.x as string, y: jwk.y as string };
    case 'OKP': return { kty: 'OKP', crv: jwk.crv as string, x: jwk.x as string };
    default: return { kty: 'RSA', n: jwk.n as string, e: jwk.e as string };
  }
}

/** Whether the key can be imported (e.g. the EC point lies on the curve). */
export function publicJwkKeyProblem(jwk: JWK): string | undefined {
  try {
    createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    return undefined;
  } catch {
    return `is not a valid ${jwk.crv ?? jwk.kty} public key (invalid point or parameters)`;
  }
}

// ---- did:key -------------------------------------------------------------------------------

interface Multicodec { name: string; representation: DidRepresentation; length: number; curve?: string; crv: string }
const MULTICODECS: Record<number, Multicodec> = {
  0xed: { name: 'ed25519-pub', representation: 'did:key:ed25519', length: 32, crv: 'Ed25519' },
  0xe7: { name: 'secp256k1-pub', representation: 'did:key:secp256k1', length: 33, curve: 'secp256k1', crv: 'secp256k1' },
  0x1200: { name: 'p256-pub', representation: 'did:key:p256', length: 33, curve: 'prime256v1', crv: 'P-256' },
  0x1201: { name: 'p384-pub', representation: 'did:key:p384', length: 49, curve: 'secp384r1', crv: 'P-384' },
  0x1202: { name: 'p521-pub', representation: 'did:key:p521', length: 67, curve: 'secp521r1', crv: 'P-521' },
};
const JWK_JCS_PUB = 0xeb51;
const KNOWN_NOT_SIGNING: Record<number, string> = { 0xec: 'x25519-pub (key agreement only)', 0x1205: 'rsa-pub', 0xe1: 'bls12_381-g1-pub', 0xeb: 'bls12_381-g2-pub' };

const hex = (n: number) => `0x${n.toString(16)}`;

function jwkFromJson(bytes: Uint8Array, what: string): JWK {
  let parsed: unknown;
  try {
    parsed = parseJsonLimited(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new DidResolutionError(`${what} is not UTF-8 JSON`);
  }
  const problem = publicJwkProblem(parsed);
  if (problem) throw new DidResolutionError(`${what} is not a public signing JWK: it ${problem}`);
  const jwk = minimalPublicJwk(parsed as Record<string, unknown>);
  const keyProblem = publicJwkKeyProblem(jwk);
  if (keyProblem) throw new DidResolutionError(`${what} ${keyProblem}`);
  return jwk;
}

function resolveKeyValue(value: string): { jwk: JWK; representation: DidRepresentation } {
  if (!value.startsWith('z')) {
    throw new DidResolutionError(
      `not base58btc: did:key value must be multibase base58btc with leading "z", found leading ${JSON.stringify(value.slice(0, 1))}`,
    );
  }
  const bytes = base58btcDecode(value.slice(1));
  const { value: code, length } = readVarint(bytes);
  const key = bytes.subarray(length);
  if (code === JWK_JCS_PUB) return { jwk: jwkFromJson(key, 'jwk_jcs-pub payload'), representation: 'did:key:jwk_jcs' };
  const codec = MULTICODECS[code];
  if (!codec) {
    const known = KNOWN_NOT_SIGNING[code];
    throw new DidResolutionError(`unknown multicodec ${hex(code)}${known ? ` (${known}, not supported for proofs)` : ''}: expected p256-pub 0x1200, jwk_jcs-pub 0xeb51, ed25519-pub 0xed, secp256k1-pub 0xe7, p384-pub 0x1201 or p521-pub 0x1202`);
  }
  if (key.length !== codec.length) {
    const hint = codec.curve && key.length === 2 * codec.length - 1 && key[0] === 0x04 ? ' (uncompressed point; did:key requires the SEC1 compressed form)' : '';
    throw new DidResolutionError(`wrong key length for ${codec.name}: ${key.length} bytes, expected ${codec.length}${hint}`);
  }
  if (!codec.curve) return { jwk: { kty: 'OKP', crv: codec.crv, x: Buffer.from(key).toString('base64url') }, representation: codec.representation };
  if (key[0] !== 0x02 && key[0] !== 0x03) {
    throw new DidResolutionError(`invalid point for ${codec.name}: compressed point must start with 0x02 or 0x03, found ${hex(key[0])}`);
  }
  let uncompressed: Buffer;
  try {
    uncompressed = ECDH.convertKey(key, codec.curve, undefined, undefined, 'uncompressed') as Buffer;
  } catch {
    throw new DidResolutionError(`invalid point for ${codec.name}: the x coordinate is not on curve ${codec.crv}`);
  }
  const size = (codec.length - 1);
  return {
    jwk: {
      kty: 'EC',
      crv: codec.crv,
      x: uncompressed.subarray(1, 1 + size).toString('base64url'),
      y: uncompressed.subarray(1 + size).toString('base64url'),
    },
    representation: codec.representation,
  };
}

// ---- entry point ---------------------------------------------------------------------------

const DID_SYNTAX = /^did:([a-z0-9]+):(.+)$/;

/**
 * Lengths checked before any decoding: a kid is wallet input, and base58 decoding is quadratic
 * (a 24,000-character did:key cost ~400 ms). The largest legitimate values are a did:key
 * jwk_jcs-pub or a did:jwk of a 4096-bit RSA JWK, about 1,000 characters.
 */
export const MAX_DID_METHOD_ID_CHARS = 2048;
/** The whole DID URL: the method-specific id, plus a did:key fragment that repeats it. */
export const MAX_DID_URL_CHARS = 2 * MAX_DID_METHOD_ID_CHARS + 16;

export function isSelfContainedDid(value: string): boolean {
  return value.startsWith('did:key:') || value.startsWith('did:jwk:');
}

export function resolveDidKey(didUrl: string): ResolvedDid {
  if (didUrl.length > MAX_DID_URL_CHARS) {
    throw new DidResolutionError(`DID URL is ${didUrl.length} characters long; at most ${MAX_DID_URL_CHARS} are resolved (a did:key or did:jwk of a 4096-bit RSA key has about 1,000)`);
  }
  const hash = didUrl.indexOf('#');
  const did = hash < 0 ? didUrl : didUrl.slice(0, hash);
  const hadFragment = hash >= 0;
  const fragment = hadFragment ? didUrl.slice(hash + 1) : undefined;
  const match = DID_SYNTAX.exec(did);
  if (!match) {
    throw new DidResolutionError(`unparseable DID ${JSON.stringify(did.length > 60 ? `${did.slice(0, 60)}...` : did)}: expected did:<method>:<method-specific-id>`);
  }
  const [, method, id] = match;
  if (id.length > MAX_DID_METHOD_ID_CHARS) {
    throw new DidResolutionError(`did:${method} value is ${id.length} characters long; at most ${MAX_DID_METHOD_ID_CHARS} are resolved (a did:key or did:jwk of a 4096-bit RSA key has about 1,000)`);
  }
  let jwk: JWK;
  let representation: DidRepresentation;
  if (method === 'key') {
    if (/[/?]/.test(id)) throw new DidResolutionError('unparseable DID: paths and queries are not supported for did:key');
    ({ jwk, representation } = resolveKeyValue(id));
    if (hadFragment && fragment !== id) {
      throw new DidResolutionError(`fragment "#${fragment!.length > 20 ? `${fragment!.slice(0, 20)}...` : fragment}" does not match the did:key value: the verification method is did:key:<value>#<value>`);
    }
  } else if (method === 'jwk') {
    if (!B64URL.test(id)) throw new DidResolutionError('did:jwk value is not base64url (no padding, alphabet A-Z a-z 0-9 - _)');
    jwk = jwkFromJson(Buffer.from(id, 'base64url'), 'did:jwk value');
    representation = 'did:jwk';
    if (hadFragment && fragment !== '0') {
      throw new DidResolutionError(`fragment "#${fragment!.length > 20 ? `${fragment!.slice(0, 20)}...` : fragment}" does not exist: the only verification method of a did:jwk is #0`);
    }
  } else {
    throw new DidResolutionError(`did:${method} is not a self-contained DID method: only did:key and did:jwk are resolved locally`);
  }
  return { did, didUrl, ...(hadFragment ? { fragment } : {}), jwk, representation, hadFragment };
}

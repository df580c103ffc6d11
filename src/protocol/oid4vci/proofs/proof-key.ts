/**
 * Which holder key a `jwt` proof names (OID4VCI 1.0 Appendix F.1): `jwk`, `x5c` or a
 * self-contained DID URL in `kid`, and a bounded cache of imported verification keys.
 */
import { X509Certificate, createHash, type KeyObject } from 'node:crypto';
import { BoundedCache } from '../../../core/bounded-cache.js';
import { cachedJwsPublicKey, clearImportedKeys, importedKeyBytes, importedKeyCount } from '../../../crypto/jws-signature.js';
import type { JWK } from 'jose';
import { diagnose, fail, truncate, type Diagnostic } from '../../../core/diagnostics.js';
import {
  DidResolutionError,
  minimalPublicJwk,
  publicJwkProblem,
  resolveDidKey,
  type DidRepresentation,
  type ResolvedDid,
} from '../../../crypto/did-resolver.js';
import { jwkThumbprintSync } from '../../../crypto/jwk-thumbprint.js';
import { MAX_X5C_CERTIFICATES, publicKeyBoundsProblem } from '../../../crypto/key-bounds.js';

/** `key_attestation`: a proof kid pointing into the attested_keys of its key attestation (App. F.1). */
export type ProofKeySource = 'jwk' | 'x5c' | 'key_attestation' | DidRepresentation;

export interface ProofKey {
  jwk: JWK;
  keySource: ProofKeySource;
  /** RFC 7638 SHA-256 thumbprint of `jwk`. */
  thumbprint: string;
  didUrl?: string;
}

export interface ProofKeyContext {
  path: string;
  /** The verified attested_keys when the header carries a key_attestation. */
  attestedKeys?: { jwk: JWK; thumbprint: string; kid?: string }[];
  /** The `found` summary of the header, extended per finding. */
  found: Record<string, unknown>;
  bindingMethods?: string[];
  warnings: Diagnostic[];
}

/** Key type each asymmetric JWS alg needs. */
const ALG_KEYS: Record<string, { kty: string; crv?: string }> = {
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  ES256K: { kty: 'EC', crv: 'secp256k1' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
  RS256: { kty: 'RSA' }, RS384: { kty: 'RSA' }, RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' }, PS384: { kty: 'RSA' }, PS512: { kty: 'RSA' },
};

export const VERIFIABLE_ALGS: readonly string[] = Object.keys(ALG_KEYS);

const describeKey = (jwk: JWK) => (jwk.crv ? `${jwk.kty} ${jwk.crv}` : `${jwk.kty}`);

/** Why the key cannot verify `alg`, or undefined when it fits. */
export function keyAlgMismatch(alg: string, jwk: JWK): string | undefined {
  const need = ALG_KEYS[alg];
  if (!need) return `alg ${alg} cannot be verified by this issuer`;
  if (jwk.kty === need.kty && (need.crv === undefined || jwk.crv === need.crv)) return undefined;
  return `key type ${describeKey(jwk)} does not fit alg ${alg}, which needs ${need.crv ? `${need.kty} ${need.crv}` : need.kty}`;
}

/** RFC 7638 thumbprint, computed synchronously (now in crypto/, re-exported for existing callers). */
export { jwkThumbprintSync };

function bindingWarning(source: ProofKeySource, ctx: ProofKeyContext, where: string): void {
  const methods = ctx.bindingMethods;
  if (!methods || methods.length === 0) return;
  const method = source === 'jwk' || source === 'x5c' || source === 'key_attestation' ? 'jwk' : source === 'did:jwk' ? 'did:jwk' : 'did:key';
  const covered = method === 'jwk'
    ? methods.includes('jwk') || methods.includes('cose_key')
    : methods.includes(method) || methods.includes('did');
  if (covered) return;
  ctx.warnings.push(diagnose(
    'proof.jwt.binding_method_not_advertised',
    `the key is given as ${source} but cryptographic_binding_methods_supported is ${JSON.stringify(methods)}`,
    { path: `${ctx.path}.header.${where}`, found: { ...ctx.found, key_source: source }, expected: `one of ${methods.join(', ')}` },
  ));
}

function checkFits(alg: string, jwk: JWK, code: 'proof.jwt.jwk_invalid' | 'proof.jwt.x5c_invalid' | 'proof.jwt.did_invalid', where: string, ctx: ProofKeyContext): void {
  const mismatch = keyAlgMismatch(alg, jwk);
  if (mismatch) {
    fail(code, `${where}: ${mismatch}`, {
      path: `${ctx.path}.header.${where}`,
      found: { ...ctx.found, key_type: describeKey(jwk) },
      expected: `a ${ALG_KEYS[alg] ? (ALG_KEYS[alg].crv ?? ALG_KEYS[alg].kty) : alg} key for alg ${alg}`,
    });
  }
}

function fromJwk(value: unknown, alg: string, ctx: ProofKeyContext): ProofKey {
  const problem = publicJwkProblem(value);
  if (problem) {
    fail('proof.jwt.jwk_invalid', `header jwk ${problem}`, {
      path: `${ctx.path}.header.jwk`,
      found: { ...ctx.found, jwk_members: typeof value === 'object' && value ? Object.keys(value) : typeof value },
    });
  }
  const jwk = minimalPublicJwk(value as Record<string, unknown>);
  checkFits(alg, jwk, 'proof.jwt.jwk_invalid', 'jwk', ctx);
  bindingWarning('jwk', ctx, 'jwk');
  return { jwk, keySource: 'jwk', thumbprint: jwkThumbprintSync(jwk) };
}

/**
 * What a wallet chose to send is cached by a SHA-256 digest of it, never by the text itself (a
 * flood of distinct 23 KB kids grew the heap by 225 MB that stayed), and bounded in bytes: the
 * leaf key of an x5c by the leaf certificate, the key of a DID URL by the DID URL. Decoding and
 * point validation cost more than the digest and the lookup.
 */
interface CachedKey {
  jwk: JWK;
  thumbprint: string;
}
const keyBytes = (digest: string, v: CachedKey) => digest.length + v.thumbprint.length + JSON.stringify(v.jwk).length + 64;
const leafCache = new BoundedCache<string, CachedKey>({ maxEntries: 10_000, maxBytes: 2 * 1024 * 1024, sizeOf: keyBytes });
const didCache = new BoundedCache<string, CachedKey & { representation: DidRepresentation; hadFragment: boolean }>({
  maxEntries: 10_000,
  maxBytes: 2 * 1024 * 1024,
  sizeOf: keyBytes,
});
const digestOf = (text: string) => createHash('sha256').update(text).digest('base64url');

function fromX5c(value: unknown, alg: string, ctx: ProofKeyContext): ProofKey {
  const at = `${ctx.path}.header.x5c`;
  const found = { ...ctx.found, x5c_length: Array.isArray(value) ? value.length : typeof value };
  if (!Array.isArray(value) || value.length === 0 || !value.every((c) => typeof c === 'string')) {
    fail('proof.jwt.x5c_invalid', `header x5c must be a non-empty array of base64 DER strings, found ${truncate(value, 60)}`, { path: at, found });
  }
  if (value.length > MAX_X5C_CERTIFICATES) {
    fail('proof.jwt.x5c_invalid', `header x5c has ${value.length} certificates; at most ${MAX_X5C_CERTIFICATES} are read (leaf and intermediates)`, { path: at, found });
  }
  const leaf = value[0] as string;
  const leafDigest = digestOf(leaf);
  let cached = leafCache.get(leafDigest);
  if (!cached) {
    if (/[-_]/.test(leaf) || !/^[A-Za-z0-9+/]+={0,2}$/.test(leaf)) {
      const hint = /[-_]/.test(leaf) ? ': it looks base64url-encoded; x5c uses standard base64 (RFC 7515 §4.1.6)' : ' (PEM armour or whitespace?)';
      fail('proof.jwt.x5c_invalid', `x5c[0] is not standard base64${hint}`, { path: `${at}[0]`, found });
    }
    let key: KeyObject;
    try {
      key = new X509Certificate(Buffer.from(leaf, 'base64')).publicKey;
    } catch (cause) {
      fail('proof.jwt.x5c_invalid', `x5c[0] is not a DER X.509 certificate: ${(cause as Error).message}`, { path: `${at}[0]`, found, cause });
    }
    // A DSA or DH key cannot even be exported as a JWK: refuse it by its bounds first.
    const bounds = publicKeyBoundsProblem(key);
    if (bounds) fail('proof.jwt.x5c_invalid', `the leaf certificate key ${bounds}`, { path: `${at}[0]`, found });
    const exported = key.export({ format: 'jwk' }) as JWK;
    const problem = publicJwkProblem(exported);
    if (problem) fail('proof.jwt.x5c_invalid', `the leaf certificate key ${problem}`, { path: `${at}[0]`, found });
    const jwk = minimalPublicJwk(exported as Record<string, unknown>);
    cached = { jwk, thumbprint: jwkThumbprintSync(jwk) };
    leafCache.set(leafDigest, cached);
  }
  checkFits(alg, cached.jwk, 'proof.jwt.x5c_invalid', 'x5c', ctx);
  bindingWarning('x5c', ctx, 'x5c');
  return { jwk: cached.jwk, keySource: 'x5c', thumbprint: cached.thumbprint };
}

function fromKid(kid: unknown, alg: string, ctx: ProofKeyContext): ProofKey {
  const at = `${ctx.path}.header.kid`;
  if (typeof kid !== 'string' || !kid.startsWith('did:')) {
    fail('proof.jwt.kid_not_resolvable', `kid ${JSON.stringify(truncate(kid, 60))} is not a DID URL and the header has no jwk, x5c or key_attestation: there is nothing to resolve it against`, {
      path: at, found: ctx.found,
      expected: 'the key as header jwk (recommended), or x5c, or kid = did:key:...#... / did:jwk:...#0',
    });
  }
  if (!kid.startsWith('did:key:') && !kid.startsWith('did:jwk:')) {
    const method = kid.split(':').slice(0, 2).join(':');
    fail('proof.jwt.kid_not_resolvable', `kid uses ${truncate(method, 30)}, which needs network resolution; this issuer resolves only did:key and did:jwk locally`, {
      path: at, found: ctx.found, expected: 'kid as did:key / did:jwk DID URL, or the key as header jwk',
    });
  }
  const kidDigest = digestOf(kid);
  let resolved = didCache.get(kidDigest);
  if (!resolved) {
    let did: ResolvedDid;
    try {
      did = resolveDidKey(kid);
    } catch (cause) {
      if (!(cause instanceof DidResolutionError)) throw cause;
      fail('proof.jwt.did_invalid', `kid ${JSON.stringify(truncate(kid, 60))}: ${cause.message}`, { path: at, found: ctx.found, cause });
    }
    resolved = { jwk: did.jwk, thumbprint: jwkThumbprintSync(did.jwk), representation: did.representation, hadFragment: did.hadFragment };
    didCache.set(kidDigest, resolved);
  }
  checkFits(alg, resolved.jwk, 'proof.jwt.did_invalid', 'kid', ctx);
  if (!resolved.hadFragment) {
    const suggestion = resolved.representation === 'did:jwk' ? `${kid}#0` : `${kid}#${kid.slice('did:key:'.length)}`;
    ctx.warnings.push(diagnose('proof.jwt.did_without_fragment', `kid is the bare DID ${truncate(kid, 60)} without #fragment`, {
      path: at, found: ctx.found, expected: `kid = ${truncate(suggestion, 120)}`,
    }));
  }
  bindingWarning(resolved.representation, ctx, 'kid');
  return { jwk: resolved.jwk, keySource: resolved.representation, thumbprint: resolved.thumbprint, didUrl: kid };
}

/** Picks and validates the one holder key of a proof header. `alg` has been checked before. */
export function resolveProofKey(header: Record<string, unknown>, alg: string, ctx: ProofKeyContext): ProofKey {
  const at = `${ctx.path}.header`;
  const present = (['jwk', 'x5c', 'kid'] as const).filter((name) => header[name] !== undefined);
  if (present.length > 1) {
    fail('proof.jwt.multiple_keys', `header names the key ${present.length} ways (${present.join(' + ')}); only one of jwk, x5c and kid may be present`, {
      path: at, found: ctx.found, expected: `only one of ${present.join(', ')}`,
    });
  }
  if (present.length === 0) {
    fail('proof.jwt.no_key', 'header has none of jwk, x5c, kid or key_attestation, so the holder key is unknown', {
      path: at, found: ctx.found,
      expected: ctx.attestedKeys
        ? 'with key_attestation: jwk = the attested key that signs, or kid = its index in attested_keys'
        : 'one of: jwk (public JWK), x5c (certificate chain), key_attestation, or kid = a resolvable DID URL (did:key, did:jwk)',
    });
  }
  const kidIntoAttestation = ctx.attestedKeys !== undefined && present[0] === 'kid' && !(typeof header.kid === 'string' && header.kid.startsWith('did:'));
  const key = present[0] === 'jwk' ? fromJwk(header.jwk, alg, ctx)
    : present[0] === 'x5c' ? fromX5c(header.x5c, alg, ctx)
      : kidIntoAttestation ? fromAttestedKid(header.kid, alg, ctx) : fromKid(header.kid, alg, ctx);
  // App. D.1: with a key attestation, the proof must be signed by one of its attested keys.
  if (ctx.attestedKeys && !ctx.attestedKeys.some((k) => k.thumbprint === key.thumbprint)) {
    fail('key_attestation.key_not_attested', `the proof key (${key.keySource}, thumbprint ${key.thumbprint}) is not among the ${ctx.attestedKeys.length} attested_keys of its key_attestation`, {
      path: `${at}.${present[0]}`, found: { ...ctx.found, attested: ctx.attestedKeys.map((k) => k.thumbprint) },
    });
  }
  return key;
}

/** kid with a key attestation: an index into attested_keys (the App. F.1 example uses "0") or an attested key's kid member. */
function fromAttestedKid(kid: unknown, alg: string, ctx: ProofKeyContext): ProofKey {
  const keys = ctx.attestedKeys!;
  const byIndex = typeof kid === 'string' && /^\d{1,3}$/.test(kid) ? keys[Number(kid)] : undefined;
  const hit = byIndex ?? keys.find((k) => k.kid !== undefined && k.kid === kid);
  if (!hit) {
    fail('key_attestation.key_not_attested', `kid ${JSON.stringify(truncate(kid, 60))} names no key of the ${keys.length} attested_keys (neither an index nor a kid member)`, {
      path: `${ctx.path}.header.kid`, found: ctx.found, expected: `kid = 0..${keys.length - 1}, or the attested key as jwk`,
    });
  }
  checkFits(alg, hit.jwk, 'proof.jwt.jwk_invalid', 'kid', ctx);
  return { jwk: hit.jwk, keySource: 'key_attestation', thumbprint: hit.thumbprint };
}

/** The proof key as node:crypto verifies it (crypto/jws-signature.ts); throws on an unusable key. */
export function verificationKey(key: ProofKey): KeyObject {
  return cachedJwsPublicKey(key.jwk as Record<string, unknown>, key.thumbprint);
}

export function clearProofKeyCaches(): void {
  clearImportedKeys();
  leafCache.clear();
  didCache.clear();
}

export function proofKeyCacheSize(): number {
  return importedKeyCount();
}

/** Bytes held by the proof key caches (imported keys, x5c leaf keys, DID keys), as estimated by each. */
export function proofKeyCacheBytes(): number {
  return importedKeyBytes() + leafCache.bytes + didCache.bytes;
}

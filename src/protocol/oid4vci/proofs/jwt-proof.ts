/**
 * Verification of `jwt` key proofs (OID4VCI 1.0 Appendix F.1 / F.4). Every refusal names
 * the header parameters found, what was expected and where, so a wallet developer can act on
 * the session log alone. Checks run structure → typ → alg → key → signature → claims.
 * Each check is exported on its own (throwing a ProtocolError) so the inspector can run every
 * one of them and list all failures, where verifyJwtProof stops at the first.
 */
import type { KeyObject } from 'node:crypto';
import { jwsSignatureValidAsync } from '../../../crypto/jws-signature.js';
import { nowSeconds, type Clock } from '../../../core/clock.js';
import { diagnose, fail, truncate, type Diagnostic } from '../../../core/diagnostics.js';
import { MAX_JWT_LENGTH, parseJsonLimited } from '../../../core/input-limits.js';
import type { HolderKey } from '../../../formats/types.js';
import { VERIFIABLE_ALGS, resolveProofKey, verificationKey, type ProofKeySource } from './proof-key.js';
import { EMPTY_TRUST_LIST, type TrustList } from '../../../crypto/attestation-trust.js';
import { verifyKeyAttestation, type VerifiedKeyAttestation } from './key-attestation.js';

export interface JwtProofPolicy {
  /** Expected aud (exact string compare). */
  issuerIdentifier: string;
  /** proof_signing_alg_values_supported of the configuration. */
  allowedAlgs: string[];
  /** cryptographic_binding_methods_supported (jwk, cose_key, did:key, did:jwk …). */
  bindingMethods?: string[];
  /** Allowed future skew of iat. */
  iatSkewSeconds: number;
  /** Maximum age of iat; default 300. */
  maxAgeSeconds?: number;
  /** True when a nonce endpoint exists. */
  nonceRequired: boolean;
  /** The token came from an anonymous pre-authorized grant: iss must be absent (warning only). */
  anonymousGrant: boolean;
  /** How a key_attestation header is judged; absent: playground with an empty trust list. */
  keyAttestation?: { mode: 'playground' | 'strict'; trust: TrustList };
}

export interface VerifiedJwtProof {
  holderKey: HolderKey;
  keySource: ProofKeySource;
  /** RFC 7638 thumbprint of the holder key (for duplicate-key checks in a batch). */
  jwkThumbprint: string;
  /** The proof's nonce claim; the caller checks and consumes it in the store. */
  nonce?: string;
  /** The verified key_attestation header: credentials go to each attested key. */
  keyAttestation?: VerifiedKeyAttestation;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  warnings: Diagnostic[];
}

export const PROOF_TYP = 'openid4vci-proof+jwt';
const DEFAULT_MAX_AGE_SECONDS = 300;
const B64URL = /^[A-Za-z0-9_-]*$/;
const SIGNATURE_BYTES: Record<string, number> = { ES256: 64, ES256K: 64, ES384: 96, ES512: 132, EdDSA: 64, Ed25519: 64 };

export type Found = Record<string, unknown>;

export function headerSummary(header: Record<string, unknown>): Found {
  const found: Found = { header_params: Object.keys(header) };
  for (const name of ['kid', 'typ', 'alg'] as const) {
    if (header[name] !== undefined) found[name] = typeof header[name] === 'string' ? truncate(header[name], 160) : truncate(header[name], 60);
  }
  return found;
}

function decodePart(part: string, name: 'header' | 'payload', path: string, parts: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = parseJsonLimited(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (cause) {
    const why = cause instanceof SyntaxError && cause.name === 'JsonTooDeepError' ? ` (${cause.message})` : '';
    fail('proof.jwt.malformed', `the ${name} is not base64url-encoded JSON${why}`, { path: `${path}.${name}`, found: { parts } });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('proof.jwt.malformed', `the ${name} is JSON but not an object (found ${Array.isArray(value) ? 'array' : typeof value})`, { path: `${path}.${name}`, found: { parts } });
  }
  return value as Record<string, unknown>;
}

export function parseCompact(jwt: unknown, path: string) {
  if (typeof jwt !== 'string') {
    fail('proof.jwt.malformed', `the proof is ${jwt === null ? 'null' : Array.isArray(jwt) ? 'an array' : `a ${typeof jwt}`}, not a compact JWT string`, { path, found: { type: typeof jwt } });
  }
  // Size before decoding (input limits); even an x5c chain or key attestation fits.
  if (jwt.length > MAX_JWT_LENGTH.proof) {
    fail('proof.jwt.malformed', `the proof is ${jwt.length} characters long; at most ${MAX_JWT_LENGTH.proof} are accepted`, { path, found: { length: jwt.length } });
  }
  const parts = jwt.split('.');
  if (parts.length !== 3) {
    const hint = jwt.trimStart().startsWith('{') ? ' (looks like a JSON-serialised JWS)'
      : parts.length === 5 ? ' (5 parts: looks like an encrypted JWE; proofs are signed JWS)' : '';
    fail('proof.jwt.malformed', `the proof has ${parts.length} dot-separated part(s), expected 3${hint}`, { path, found: { parts: parts.length, length: jwt.length } });
  }
  const names = ['header', 'payload', 'signature'] as const;
  for (let i = 0; i < 3; i++) {
    if (!B64URL.test(parts[i])) {
      const bad = /[=+/]/.test(parts[i]) ? ' (has "=", "+" or "/": use base64url without padding)' : /\s/.test(parts[i]) ? ' (contains whitespace)' : '';
      fail('proof.jwt.malformed', `the ${names[i]} part is not base64url${bad}`, { path: `${path}.${names[i]}`, found: { parts: 3 } });
    }
  }
  const header = decodePart(parts[0], 'header', path, 3);
  const payload = decodePart(parts[1], 'payload', path, 3);
  return { jwt, header, payload, signature: parts[2] };
}

export function checkTyp(header: Record<string, unknown>, found: Found, path: string, warnings: Diagnostic[]): void {
  const typ = header.typ;
  if (typ === PROOF_TYP) return;
  const at = `${path}.header.typ`;
  const expected = `typ = "${PROOF_TYP}"`;
  if (typeof typ === 'string') {
    const normal = typ.toLowerCase().replace(/^application\//, '');
    if (normal === PROOF_TYP) {
      warnings.push(diagnose('proof.jwt.typ_not_canonical', `typ "${truncate(typ, 60)}" is an equivalent spelling of ${PROOF_TYP}`, { path: at, found, expected }));
      return;
    }
    const hints: Record<string, string> = {
      jwt: 'the generic JWT type; proofs must be explicitly typed',
      'dpop+jwt': 'a DPoP proof type; the key proof is a different JWT',
      'kb+jwt': 'the SD-JWT Key Binding type, used in presentations',
      'openid4vci-proof+jwt': 'the right value surrounded by whitespace',
      'key-attestation+jwt': 'a key attestation; send it in the key_attestation header or as an attestation proof',
      'keyattestation+jwt': 'a draft key attestation type',
    };
    const hint = hints[normal.trim()];
    fail('proof.jwt.typ', `typ "${truncate(typ, 60)}" is not "${PROOF_TYP}"${hint ? `: it is ${hint}` : ''}`, { path: at, found, expected });
  }
  fail('proof.jwt.typ', typ === undefined ? 'header has no typ' : `typ is a ${typeof typ}, not a string`, { path: at, found, expected });
}

export function checkAlg(header: Record<string, unknown>, policy: JwtProofPolicy, found: Found, path: string): string {
  const alg = header.alg;
  const usable = policy.allowedAlgs.filter((a) => VERIFIABLE_ALGS.includes(a));
  const details = { path: `${path}.header.alg`, found, expected: `alg one of ${usable.join(', ') || '(none configured)'}` };
  if (typeof alg !== 'string') fail('proof.jwt.alg_unsupported', alg === undefined ? 'header has no alg' : `alg is a ${typeof alg}, not a string`, details);
  if (alg.toLowerCase() === 'none') fail('proof.jwt.alg_unsupported', `alg "${alg}": unsigned proofs are never accepted`, details);
  if (/^HS\d+$/.test(alg)) fail('proof.jwt.alg_unsupported', `alg ${alg} is a symmetric MAC; proofs must use an asymmetric signature`, details);
  if (!policy.allowedAlgs.includes(alg)) fail('proof.jwt.alg_unsupported', `alg ${truncate(alg, 30)} is not in proof_signing_alg_values_supported`, details);
  if (!VERIFIABLE_ALGS.includes(alg)) fail('proof.jwt.alg_unsupported', `alg ${truncate(alg, 30)} is advertised but this issuer cannot verify it`, details);
  return alg;
}

export async function checkSignature(jwt: string, header: Record<string, unknown>, signature: string, alg: string, key: KeyObject, found: Found, path: string): Promise<void> {
  const details = { path: `${path}.signature`, found };
  if (signature.length === 0) fail('proof.jwt.malformed', 'the signature part is empty (unsigned JWT)', details);
  if (header.crit !== undefined) {
    fail('proof.jwt.malformed', `header crit ${truncate(header.crit, 60)} names extensions this issuer does not process`, { ...details, path: `${path}.header.crit` });
  }
  const expectedBytes = SIGNATURE_BYTES[alg];
  const bytes = Math.floor((signature.length * 3) / 4);
  if (expectedBytes !== undefined && bytes !== expectedBytes) {
    const der = alg.startsWith('ES') && bytes >= expectedBytes + 6 && bytes <= expectedBytes + 9 ? ' (looks DER-encoded; JWS needs raw r||s)' : '';
    fail('proof.jwt.signature', `${alg} signature is ${bytes} bytes, expected ${expectedBytes}${der}`, details);
  }
  let valid: boolean;
  try {
    valid = await jwsSignatureValidAsync(jwt.slice(0, jwt.lastIndexOf('.')), signature, alg, key);
  } catch (cause) {
    fail('proof.jwt.malformed', `the JWS was refused before signature check: ${(cause as Error).message}`, { ...details, cause });
  }
  if (!valid) fail('proof.jwt.signature', 'the signature does not verify with the header key', details);
}

type Claims = Record<string, unknown>;
const claimPath = (path: string, claim: string) => `${path}.payload.${claim}`;

/** aud = the Credential Issuer Identifier, a string (App. F.1); a one-element array is tolerated. */
export function checkAud(payload: Claims, issuer: string, claimsFound: Found, path: string, warnings: Diagnostic[]): void {
  const expectedAud = `aud = "${issuer}"`;
  const aud = payload.aud;
  if (Array.isArray(aud) && aud.length === 1 && aud[0] === issuer) {
    warnings.push(diagnose('proof.jwt.aud_array', `aud is an array ${truncate(aud, 80)} instead of a string`, { path: claimPath(path, 'aud'), found: { ...claimsFound, aud }, expected: expectedAud }));
  } else if (aud !== issuer) {
    let reason: string;
    if (aud === undefined) reason = 'payload has no aud';
    else if (typeof aud === 'string') {
      const hint = aud.replace(/\/+$/, '') === issuer.replace(/\/+$/, '') ? ' (differs only by a trailing slash)'
        : aud.startsWith(`${issuer.replace(/\/+$/, '')}/`) ? ' (looks like an endpoint URL, not the issuer identifier)' : '';
      reason = `aud "${truncate(aud, 80)}" is not the Credential Issuer Identifier "${issuer}"${hint}`;
    } else reason = `aud ${truncate(aud, 80)} is not the string "${issuer}"`;
    fail('proof.jwt.aud', reason, { path: claimPath(path, 'aud'), found: { ...claimsFound, aud: aud === undefined ? undefined : truncate(aud, 120) }, expected: expectedAud });
  }
}

/** iat present, a number, inside [now - maxAge, now + skew] (App. F.1, §13.8). */
export function checkIat(payload: Claims, policy: Pick<JwtProofPolicy, 'iatSkewSeconds' | 'maxAgeSeconds'>, nowSeconds: number, claimsFound: Found, path: string, warnings: Diagnostic[]): void {
  const at = (claim: string) => claimPath(path, claim);
  const iat = payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    fail('proof.jwt.iat_missing', iat === undefined ? 'payload has no iat' : `iat ${truncate(iat, 40)} is a ${typeof iat}, not a NumericDate number`, {
      path: at('iat'), found: claimsFound, expected: `iat = ${nowSeconds} (seconds since epoch)`,
    });
  }
  const maxAge = policy.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const window = `${nowSeconds - maxAge} <= iat <= ${nowSeconds + policy.iatSkewSeconds} (issuer time ${nowSeconds}, max age ${maxAge}s, skew ${policy.iatSkewSeconds}s)`;
  if (iat > nowSeconds + policy.iatSkewSeconds) {
    const ms = iat > nowSeconds * 100 ? ' (looks like milliseconds; iat is in seconds)' : '';
    fail('proof.jwt.iat_skew', `iat ${iat} is ${Math.round(iat - nowSeconds)}s in the future${ms}`, { path: at('iat'), found: { ...claimsFound, iat }, expected: window });
  }
  if (iat < nowSeconds - maxAge) {
    fail('proof.jwt.iat_skew', `iat ${iat} is ${Math.round(nowSeconds - iat)}s old, more than ${maxAge}s`, { path: at('iat'), found: { ...claimsFound, iat }, expected: window });
  }
  if (!Number.isInteger(iat)) {
    warnings.push(diagnose('proof.jwt.iat_not_integer', `iat ${iat} has a fractional part`, { path: at('iat'), found: { ...claimsFound, iat } }));
  }
}

/** nonce, when present, a non-empty string; required when the issuer has a nonce endpoint. */
export function checkNonceClaim(payload: Claims, nonceRequired: boolean, claimsFound: Found, path: string): void {
  const nonce = payload.nonce;
  if (nonce !== undefined && (typeof nonce !== 'string' || nonce.length === 0)) {
    fail('proof.jwt.nonce_missing', `nonce ${truncate(nonce, 40)} is not a non-empty string`, { path: claimPath(path, 'nonce'), found: claimsFound });
  }
  if (nonceRequired && nonce === undefined) {
    fail('proof.jwt.nonce_missing', 'payload has no nonce, but this issuer has a nonce endpoint', { path: claimPath(path, 'nonce'), found: claimsFound });
  }
}

/** iss must be omitted after an anonymous pre-authorized grant (App. F.1): warning only. */
export function checkIss(payload: Claims, anonymousGrant: boolean, claimsFound: Found, path: string, warnings: Diagnostic[]): void {
  if (anonymousGrant && payload.iss !== undefined) {
    warnings.push(diagnose('proof.jwt.iss_with_anonymous_grant', `iss ${JSON.stringify(truncate(payload.iss, 60))} is present, but the access token came from an anonymous pre-authorized grant`, {
      path: claimPath(path, 'iss'), found: claimsFound,
    }));
  }
}

export const claimsSummary = (payload: Claims, found: Found): Found => ({ ...found, payload_claims: Object.keys(payload) });

function checkClaims(payload: Record<string, unknown>, policy: JwtProofPolicy, nowSeconds: number, found: Found, path: string, warnings: Diagnostic[]): void {
  const claimsFound = claimsSummary(payload, found);
  checkAud(payload, policy.issuerIdentifier, claimsFound, path, warnings);
  checkIat(payload, policy, nowSeconds, claimsFound, path, warnings);
  checkNonceClaim(payload, policy.nonceRequired, claimsFound, path);
  checkIss(payload, policy.anonymousGrant, claimsFound, path, warnings);
}

export async function verifyJwtProof(deps: { clock: Clock }, jwt: string, policy: JwtProofPolicy, path: string): Promise<VerifiedJwtProof> {
  const warnings: Diagnostic[] = [];
  const parsed = parseCompact(jwt, path);
  const { header, payload } = parsed;
  const found = headerSummary(header);
  checkTyp(header, found, path, warnings);
  const alg = checkAlg(header, policy, found, path);
  // App. F.1: a key attestation in the header names the keys the proof may be signed with.
  const keyAttestation = header.key_attestation === undefined ? undefined : await verifyKeyAttestation(deps, header.key_attestation, {
    allowedAlgs: policy.allowedAlgs,
    use: 'jwt',
    mode: policy.keyAttestation?.mode ?? 'playground',
    trust: policy.keyAttestation?.trust ?? EMPTY_TRUST_LIST,
    iatSkewSeconds: policy.iatSkewSeconds,
  }, `${path}.header.key_attestation`, warnings);
  const key = resolveProofKey(header, alg, { path, found, bindingMethods: policy.bindingMethods, warnings, ...(keyAttestation ? { attestedKeys: keyAttestation.attestedKeys } : {}) });
  let cryptoKey: KeyObject;
  try {
    cryptoKey = verificationKey(key);
  } catch (cause) {
    const code = key.keySource === 'jwk' ? 'proof.jwt.jwk_invalid' : key.keySource === 'x5c' ? 'proof.jwt.x5c_invalid' : 'proof.jwt.did_invalid';
    fail(code, `the ${key.keySource} key cannot be imported for ${alg} (invalid point or parameters): ${(cause as Error).message}`, {
      path: `${path}.header`, found, cause,
    });
  }
  await checkSignature(parsed.jwt, header, parsed.signature, alg, cryptoKey, found, path);
  checkClaims(payload, policy, nowSeconds(deps.clock), found, path, warnings);
  return {
    holderKey: { jwk: key.jwk, ...(key.didUrl ? { didUrl: key.didUrl } : {}) },
    keySource: key.keySource,
    jwkThumbprint: key.thumbprint,
    ...(typeof payload.nonce === 'string' ? { nonce: payload.nonce } : {}),
    ...(keyAttestation ? { keyAttestation } : {}),
    header,
    payload,
    warnings,
  };
}

/**
 * Key attestations, OID4VCI 1.0 Appendix D.1: a JWT by the wallet's key storage or wallet
 * provider listing `attested_keys` and their attack potential resistance (D.2). Used in the
 * `key_attestation` header of a jwt proof (F.1) and as the `attestation` proof type (F.3).
 * Checks: typ, alg from proof_signing_alg_values_supported, attester key and trust (trust list
 * as for wallet attestations: playground warns, strict refuses), signature, iat/exp, the keys,
 * and — by the caller — nonce = c_nonce and the configuration's key_attestations_required.
 */
import { describeNumericDate } from '../../../core/input-limits.js';
import type { JWK } from 'jose';
import { diagnose, fail, truncate, type Diagnostic } from '../../../core/diagnostics.js';
import { nowSeconds, type Clock } from '../../../core/clock.js';
import { AttesterKeyError, resolveAttesterKey, type TrustList } from '../../../crypto/attestation-trust.js';
import { minimalPublicJwk, publicJwkProblem } from '../../../crypto/did-resolver.js';
import { jwkThumbprintSync } from '../../../crypto/jwk-thumbprint.js';
import { ATTESTATION_ALGS, decodeAttestation, judgeUntrusted, numericClaim, verifiesWithAny } from '../../attestation/attestation-jwt.js';

export const KEY_ATTESTATION_TYP = 'key-attestation+jwt';
const LEGACY_TYP = 'keyattestation+jwt';

export interface AttestedKey {
  jwk: JWK;
  thumbprint: string;
  /** The JWK's own kid member, if any (a proof kid may point at it). */
  kid?: string;
}

export interface KeyAttestationPolicy {
  /** proof_signing_alg_values_supported of the proof type (F.1: also binds the attestation alg). */
  allowedAlgs: string[];
  /** `jwt`: inside a jwt proof header (exp required); `attestation`: the proof itself. */
  use: 'jwt' | 'attestation';
  mode: 'playground' | 'strict';
  trust: TrustList;
  iatSkewSeconds: number;
}

export interface VerifiedKeyAttestation {
  attestedKeys: AttestedKey[];
  keyStorage?: string[];
  userAuthentication?: string[];
  nonce?: string;
  trusted: boolean;
  trust: string;
  attesterKey: string;
  path: string;
}

const MAX_ATTESTED_KEYS = 100;

export async function verifyKeyAttestation(deps: { clock: Clock }, value: unknown, policy: KeyAttestationPolicy, path: string, warnings: Diagnostic[]): Promise<VerifiedKeyAttestation> {
  if (typeof value !== 'string') fail('key_attestation.malformed', `the key attestation is ${value === null ? 'null' : typeof value}, not a compact JWT string`, { path });
  const algs = policy.allowedAlgs.filter((a) => (ATTESTATION_ALGS as readonly string[]).includes(a));
  const att = decodeAttestation(value, 'The key attestation', 'key_attestation.malformed', path, algs);
  const typ = att.header.typ;
  if (typ === LEGACY_TYP) {
    if (policy.mode === 'strict') fail('key_attestation.typ_legacy_refused', `typ ${LEGACY_TYP} is the draft 15 spelling`, { path: `${path}.header.typ`, found: typ });
    warnings.push(diagnose('key_attestation.typ_legacy', `typ ${LEGACY_TYP} (draft 15) accepted for ${KEY_ATTESTATION_TYP}`, { path: `${path}.header.typ`, found: typ }));
  } else if (typ !== KEY_ATTESTATION_TYP) {
    fail('key_attestation.malformed', `typ ${truncate(typ ?? '(absent)', 60)} is not ${KEY_ATTESTATION_TYP}`, { path: `${path}.header.typ`, found: typ ?? null, expected: KEY_ATTESTATION_TYP });
  }

  const p = att.payload;
  const now = nowSeconds(deps.clock);
  const skew = policy.iatSkewSeconds;
  const iat = numericClaim(p, 'iat', 'key_attestation.malformed', path);
  if (iat === undefined) fail('key_attestation.malformed', 'the key attestation has no iat', { path: `${path}.payload.iat` });
  if (iat > now + skew) fail('key_attestation.expired', `the key attestation iat is ${Math.round(iat - now)} s in the future`, { path: `${path}.payload.iat`, found: iat });
  const exp = numericClaim(p, 'exp', 'key_attestation.malformed', path);
  if (exp === undefined && policy.use === 'jwt') fail('key_attestation.malformed', 'the key attestation has no exp; it is required when the attestation travels in a jwt proof (App. D.1)', { path: `${path}.payload.exp` });
  if (exp !== undefined && exp <= now - skew) fail('key_attestation.expired', `the key attestation expired at ${describeNumericDate(exp)}`, { path: `${path}.payload.exp`, found: exp });

  const keys = p.attested_keys;
  if (!Array.isArray(keys) || keys.length === 0) fail('key_attestation.malformed', 'attested_keys is missing or not a non-empty array of JWKs', { path: `${path}.payload.attested_keys` });
  if (keys.length > MAX_ATTESTED_KEYS) fail('key_attestation.malformed', `attested_keys has ${keys.length} keys; at most ${MAX_ATTESTED_KEYS} are read`, { path: `${path}.payload.attested_keys` });
  const attestedKeys: AttestedKey[] = keys.map((k, i) => {
    const problem = publicJwkProblem(k);
    if (problem) fail('key_attestation.malformed', `attested_keys[${i}] ${problem}`, { path: `${path}.payload.attested_keys[${i}]` });
    const jwk = minimalPublicJwk(k as Record<string, unknown>);
    const kid = (k as { kid?: unknown }).kid;
    return { jwk, thumbprint: jwkThumbprintSync(jwk), ...(typeof kid === 'string' ? { kid } : {}) };
  });
  const levels = (claim: 'key_storage' | 'user_authentication') => {
    const v = p[claim];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string')) {
      fail('key_attestation.malformed', `${claim} is not a non-empty array of strings (iso_18045_high, iso_18045_moderate, ...)`, { path: `${path}.payload.${claim}` });
    }
    return v as string[];
  };
  const keyStorage = levels('key_storage');
  const userAuthentication = levels('user_authentication');
  if (p.nonce !== undefined && (typeof p.nonce !== 'string' || p.nonce === '')) fail('key_attestation.malformed', 'nonce is not a non-empty string', { path: `${path}.payload.nonce` });

  let attester;
  try {
    attester = resolveAttesterKey(att.header, policy.trust, deps.clock.nowMs());
  } catch (cause) {
    if (!(cause instanceof AttesterKeyError)) throw cause;
    fail('key_attestation.x5c_invalid', `key attestation: ${cause.message}`, { path: `${path}.header`, cause });
  }
  if (attester.candidates.length && !(await verifiesWithAny(att.compact, att.alg, attester.candidates))) {
    fail('key_attestation.signature', `the key attestation signature does not verify with the attester key from ${attester.via}`, { path: `${path}.signature`, found: { via: attester.via, chain: attester.chain } });
  }
  if (!attester.trusted) {
    judgeUntrusted(policy.mode, { warning: 'key_attestation.untrusted', refused: 'key_attestation.untrusted_refused' }, attester.reason, path, (d) => warnings.push(d), { via: attester.via, chain: attester.chain });
  }
  return {
    attestedKeys,
    ...(keyStorage ? { keyStorage } : {}),
    ...(userAuthentication ? { userAuthentication } : {}),
    ...(typeof p.nonce === 'string' ? { nonce: p.nonce } : {}),
    trusted: attester.trusted,
    trust: attester.reason,
    attesterKey: attester.via,
    path,
  };
}

export interface KeyAttestationsRequired {
  key_storage?: unknown;
  user_authentication?: unknown;
}

/** key_attestations_required (§12.2.4, App. D.2): the attestation must assert one of the accepted values of each listed member. */
export function verifyKeyAttestationRequirements(att: VerifiedKeyAttestation, required: KeyAttestationsRequired | undefined): void {
  if (!required) return;
  for (const claim of ['key_storage', 'user_authentication'] as const) {
    const accepted = required[claim];
    if (!Array.isArray(accepted) || accepted.length === 0) continue;
    const asserted = claim === 'key_storage' ? att.keyStorage : att.userAuthentication;
    if (!asserted?.some((v) => accepted.includes(v))) {
      fail('key_attestation.requirements_unmet', asserted ? `${claim} ${JSON.stringify(asserted)} has none of the accepted values ${JSON.stringify(accepted)} (list every accepted level: a higher one is not implied)` : `the key attestation has no ${claim}, and the configuration requires one of ${JSON.stringify(accepted)}`, {
        path: `${att.path}.payload.${claim}`,
        found: asserted ?? null,
        expected: `one of ${accepted.join(', ')}`,
      });
    }
  }
}

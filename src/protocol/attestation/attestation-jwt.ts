/**
 * Steps shared by wallet attestations (ABCA -07 §5) and key attestations (OID4VCI 1.0 App. D):
 * decode a compact JWS, check its alg, verify it with one of the candidate keys, and decide
 * what an untrusted attester means in this mode. Each caller passes its own catalogue codes, so
 * the wire error stays that of its endpoint (invalid_client at token/PAR, invalid_proof at the
 * credential endpoint).
 */
import { compactVerify, importJWK, type JWK } from 'jose';
import { diagnose, fail, truncate, type Diagnostic, type DiagnosticCode } from '../../core/diagnostics.js';
import { MAX_JWT_LENGTH } from '../../core/input-limits.js';
import { decodeJwt, type DecodedJwt } from '../../formats/decode/jwt.js';

/** JWS algs accepted from attesters and wallet instances (HAIP 1.0 §7: at least ES256). */
export const ATTESTATION_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface DecodedAttestation extends DecodedJwt {
  compact: string;
  alg: string;
}

export function decodeAttestation(value: string, what: string, code: DiagnosticCode, path: string, algs: readonly string[] = ATTESTATION_ALGS): DecodedAttestation {
  // Size before decoding (input limits).
  if (value.length > MAX_JWT_LENGTH.attestation) fail(code, `${what} is ${value.length} characters long; at most ${MAX_JWT_LENGTH.attestation} are accepted`, { path, found: { length: value.length } });
  let decoded: DecodedJwt;
  try {
    decoded = decodeJwt(value);
  } catch (cause) {
    const parts = value.split('.').length;
    fail(code, `${what} is not a compact JWS: ${(cause as Error).message}${parts === 5 ? ' (5 parts: an encrypted JWE?)' : ''}`, { path, cause, found: { parts, length: value.length } });
  }
  const alg = decoded.header.alg;
  if (typeof alg !== 'string' || !algs.includes(alg)) {
    const kind = typeof alg === 'string' && (alg.toLowerCase() === 'none' || /^HS/.test(alg)) ? ' (unsigned or a symmetric MAC: an asymmetric signature is required)' : '';
    fail(code, `${what} alg ${truncate(alg ?? '(absent)', 30)} is not accepted${kind}`, { path: `${path}.header.alg`, found: alg ?? null, expected: `one of ${algs.join(', ')}` });
  }
  return { ...decoded, compact: value.trim(), alg };
}

/** True when one of the keys verifies the JWS. A key that cannot be imported for alg counts as not verifying. */
export async function verifiesWithAny(compact: string, alg: string, keys: readonly JWK[]): Promise<boolean> {
  for (const jwk of keys) {
    try {
      await compactVerify(compact, await importJWK(jwk, alg), { algorithms: [alg] });
      return true;
    } catch {
      // Next candidate.
    }
  }
  return false;
}

/**
 * An attester outside the trust list: strict mode refuses (`refused` code); the playground
 * accepts with a warning that says exactly what strict mode would refuse.
 */
export function judgeUntrusted(mode: 'playground' | 'strict', codes: { warning: DiagnosticCode; refused: DiagnosticCode }, reason: string, path: string, report: (d: Diagnostic) => void, found?: unknown): void {
  if (mode === 'strict') fail(codes.refused, `Untrusted attester: ${reason}`, { path, found });
  report(diagnose(codes.warning, `Untrusted attester, accepted in playground mode; strict mode would refuse this request because ${reason}`, { path, found }));
}

/** NumericDate claim, or undefined when absent; a non-number fails with `code`. */
export function numericClaim(payload: Record<string, unknown>, claim: string, code: DiagnosticCode, path: string): number | undefined {
  const v = payload[claim];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(code, `${claim} ${truncate(v, 40)} is not a NumericDate number`, { path: `${path}.payload.${claim}` });
  return v;
}

import { diagnose, type Diagnostic, type DiagnosticCode, type DiagnosticDetails } from '../../core/diagnostics.js';
import type { TrustList } from '../../crypto/attestation-trust.js';
import type { PresentationCheck } from '../../store/verification-records.js';

/**
 * What verifying one presentation found: every check in order (passed, failed, warned, skipped)
 * and a diagnostic for each failure and warning, so the session log can show what passed as
 * well as what did not.
 */
export class CheckList {
  readonly checks: PresentationCheck[] = [];
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly where: string) {}

  pass(check: string, detail: string): void {
    this.checks.push({ check, status: 'pass', detail });
  }

  skip(check: string, detail: string): void {
    this.checks.push({ check, status: 'skip', detail });
  }

  /** A failed check; the presentation is not accepted. */
  fail(code: DiagnosticCode, check: string, reason: string, details: DiagnosticDetails = {}): void {
    this.checks.push({ check, status: 'fail', detail: reason, code });
    this.diagnostics.push(diagnose(code, reason, { path: this.where, ...details }));
  }

  /** A finding that strict mode refuses and playground mode only reports. */
  judge(strict: boolean, codes: { warning: DiagnosticCode; refused: DiagnosticCode }, check: string, reason: string, details: DiagnosticDetails = {}): void {
    if (strict) return this.fail(codes.refused, check, reason, details);
    this.checks.push({ check, status: 'warn', detail: reason, code: codes.warning });
    this.diagnostics.push(diagnose(codes.warning, reason, { path: this.where, ...details }));
  }

  warn(code: DiagnosticCode, check: string, reason: string, details: DiagnosticDetails = {}): void {
    this.checks.push({ check, status: 'warn', detail: reason, code });
    this.diagnostics.push(diagnose(code, reason, { path: this.where, ...details }));
  }

  get failed(): boolean {
    return this.checks.some((c) => c.status === 'fail');
  }
}

/** What every presentation is checked against: values of the stored request, never of the HTTP request. */
export interface PresentationContext {
  nonce: string;
  clientId: string;
  responseUri: string;
  /** RFC 7638 thumbprint of the response encryption key (direct_post.jwt), for the mdoc handover. */
  encryptionJwkThumbprint: Uint8Array | null;
  nowMs: number;
  trust: TrustList;
  strict: boolean;
  /** How old a KB-JWT / device signature may be, and how far in the future (seconds). */
  iatMaxAgeSeconds: number;
  iatSkewSeconds: number;
  /** How status lists are fetched; null: not at all (the inspector), the status check is skipped. */
  fetch: typeof fetch | null;
}

/** Leaf paths of a JSON value: ["address","locality"], ["nationalities",0] ... */
export function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leafPaths(v, [...prefix, i])) : [prefix];
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length ? entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k])) : [prefix];
  }
  return [prefix];
}

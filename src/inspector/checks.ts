/**
 * The inspector's output model: every check listed with its outcome, rather than the first
 * failure as an endpoint reports it. A check that mirrors an issuer rule carries the catalogue
 * code the issuer would answer with, so the inspector and the session log speak alike.
 */
import type { JWK } from 'jose';
import { ProtocolError, catalogue, type Diagnostic } from '../core/diagnostics.js';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface InspectorCheck {
  /** Stable id of the check, e.g. `proof.typ`, `dpop.htu`. */
  check: string;
  status: CheckStatus;
  /** Catalogue code (src/core/diagnostics.ts) when the issuer enforces the same rule. */
  code?: string;
  spec_ref: string;
  detail: string;
  path?: string;
  expected?: string;
  found?: unknown;
  help?: string;
}

export interface ResolvedKeyView {
  /** Where the key came from: `header.jwk`, `header.kid (did:key:jwk_jcs)`, `x5c[0]`, `cnf.jwk`, … */
  source: string;
  jwk: JWK;
  /** RFC 7638 SHA-256 thumbprint. */
  thumbprint: string;
  did?: string;
  certificate?: unknown;
}

export class CheckList {
  readonly checks: InspectorCheck[] = [];

  constructor(private readonly prefix = '') {}

  private add(c: InspectorCheck): void {
    this.checks.push({ ...c, check: `${this.prefix}${c.check}` });
  }

  pass(check: string, spec_ref: string, detail: string, extra: Partial<InspectorCheck> = {}): void {
    this.add({ check, status: 'pass', spec_ref, detail, ...extra });
  }

  fail(check: string, spec_ref: string, detail: string, extra: Partial<InspectorCheck> = {}): void {
    this.add({ check, status: 'fail', spec_ref, detail, ...extra });
  }

  warn(check: string, spec_ref: string, detail: string, extra: Partial<InspectorCheck> = {}): void {
    this.add({ check, status: 'warn', spec_ref, detail, ...extra });
  }

  skip(check: string, spec_ref: string, detail: string): void {
    this.add({ check, status: 'skip', spec_ref, detail });
  }

  /** pass when `ok`, else fail (or warn when `severity` says so). */
  expect(ok: boolean, check: string, spec_ref: string, detail: { pass: string; fail: string }, extra: Partial<InspectorCheck> & { severity?: 'fail' | 'warn' } = {}): boolean {
    const { severity, ...rest } = extra;
    if (ok) this.pass(check, spec_ref, detail.pass, { code: rest.code });
    else this[severity ?? 'fail'](check, spec_ref, detail.fail, rest);
    return ok;
  }

  /** A diagnostic (from the issuer's own checks) as a check entry. */
  fromDiagnostic(check: string, d: Diagnostic, status: CheckStatus): void {
    this.add({
      check, status, code: d.code, spec_ref: d.spec_ref, detail: d.reason,
      ...(d.path ? { path: d.path } : {}), expected: d.expected, ...(d.found !== undefined ? { found: d.found } : {}), help: d.help,
    });
  }

  /**
   * Runs one of the issuer's throwing checks: ProtocolError → fail with its diagnostic, warnings
   * it pushed → warn entries, otherwise pass. Returns the check's result, or undefined on failure.
   */
  async run<T>(check: string, spec_ref: string, passDetail: string | ((r: T) => string), fn: (warnings: Diagnostic[]) => T | Promise<T>): Promise<T | undefined> {
    const warnings: Diagnostic[] = [];
    try {
      const result = await fn(warnings);
      if (warnings.length === 0) this.pass(check, spec_ref, typeof passDetail === 'function' ? passDetail(result) : passDetail);
      for (const w of warnings) this.fromDiagnostic(check, w, 'warn');
      return result;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      for (const w of warnings) this.fromDiagnostic(check, w, 'warn');
      this.fromDiagnostic(check, error.diagnostic, 'fail');
      return undefined;
    }
  }

  merge(other: CheckList): void {
    this.checks.push(...other.checks);
  }
}

/** The catalogue code for a check id, when the catalogue has it (so codes are never invented). */
export function catalogued(code: string): string | undefined {
  return Object.hasOwn(catalogue, code) ? code : undefined;
}

export function verdictOf(checks: InspectorCheck[]): 'valid' | 'valid_with_warnings' | 'invalid' {
  if (checks.some((c) => c.status === 'fail')) return 'invalid';
  return checks.some((c) => c.status === 'warn') ? 'valid_with_warnings' : 'valid';
}

/** What the metadata self-check reports: one finding per rule outcome worth telling. */

export type FindingSeverity = 'error' | 'warning' | 'info';

export interface Finding {
  /** Stable id, e.g. `metadata.credential_issuer.mismatch`, `haip.par.missing`. */
  id: string;
  severity: FindingSeverity;
  profile: 'OID4VCI 1.0' | 'HAIP 1.0' | 'RFC 8414';
  spec_ref: string;
  message: string;
  /** Where: `issuer`, `as`, `credential_configurations_supported.<id>.format`, … */
  at?: string;
}

export class Findings {
  readonly items: Finding[] = [];

  add(f: Finding): void {
    this.items.push(f);
  }

  error(profile: Finding['profile'], id: string, spec_ref: string, message: string, at?: string): void {
    this.add({ id, severity: 'error', profile, spec_ref, message, ...(at ? { at } : {}) });
  }

  warn(profile: Finding['profile'], id: string, spec_ref: string, message: string, at?: string): void {
    this.add({ id, severity: 'warning', profile, spec_ref, message, ...(at ? { at } : {}) });
  }

  info(profile: Finding['profile'], id: string, spec_ref: string, message: string, at?: string): void {
    this.add({ id, severity: 'info', profile, spec_ref, message, ...(at ? { at } : {}) });
  }

  count(severity: FindingSeverity): number {
    return this.items.filter((f) => f.severity === severity).length;
  }
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isUrl(v: unknown, https = true): boolean {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return https ? u.protocol === 'https:' : u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

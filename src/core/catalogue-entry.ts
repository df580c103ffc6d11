/**
 * The shape of one diagnostics catalogue entry, apart from the catalogue itself so that the
 * catalogue's parts (issuer, verifier) can be typed without importing the whole.
 */

export type Severity = 'error' | 'warning';

export interface SpecRef {
  spec: string;
  section: string;
}

export interface CatalogueEntry {
  /** Wire `error` code (RFC 6749 §5.2, RFC 6750 §3, OID4VCI 1.0 §6.3 / §8.3.1.2). */
  error: string;
  status: number;
  severity: Severity;
  /** What the issuer expected, in words a wallet developer can act on. */
  expected: string;
  help: string;
  spec_ref: SpecRef;
}

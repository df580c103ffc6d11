import type { InspectKind } from '../inspector/inspect.js';
import type { InspectorCheck } from '../inspector/checks.js';

/** What the inspector can read in a logged request, found in its logged headers and body. */
export interface Artefact {
  kind: InspectKind;
  label: string;
  value: string;
}

/** The inspector's verdict on one artefact of a request, for the session log. */
export interface ArtefactChecks {
  label: string;
  kind: string;
  verdict: string;
  checks: InspectorCheck[];
}

/** Artefacts a request carries that the inspector reads: proofs, DPoP, attestations, the request itself. */
export function artefactsOf(endpoint: string, data: Record<string, unknown> | null): Artefact[] {
  const d = data ?? {};
  const headers = (d.headers ?? {}) as Record<string, unknown>;
  const body = (d.body && typeof d.body === 'object' ? d.body : {}) as Record<string, unknown>;
  const out: Artefact[] = [];
  const jwt = (v: unknown) => typeof v === 'string' && /^[\w-]+\.[\w-]+\.[\w-]*/.test(v);
  if (jwt(headers.dpop)) out.push({ kind: 'dpop' as const, label: 'DPoP proof', value: headers.dpop as string });
  if (jwt(headers['oauth-client-attestation'])) out.push({ kind: 'wallet_attestation', label: 'wallet attestation', value: headers['oauth-client-attestation'] as string });
  const proofs = body.proofs as Record<string, unknown> | undefined;
  const jwts = Array.isArray(proofs?.jwt) ? proofs.jwt : [];
  const single = (body.proof as Record<string, unknown> | undefined)?.jwt;
  [...jwts, ...(single ? [single] : [])].filter(jwt).forEach((p, i, all) => out.push({ kind: 'proof', label: all.length > 1 ? `key proof ${i + 1}` : 'key proof', value: p as string }));
  const attestations = Array.isArray(proofs?.attestation) ? proofs.attestation : [];
  attestations.filter(jwt).forEach((a) => out.push({ kind: 'key_attestation', label: 'key attestation', value: a as string }));
  if (endpoint === 'credential' && d.body && typeof d.body === 'object') out.push({ kind: 'credential_request', label: 'credential request', value: JSON.stringify(d.body) });
  return out;
}


/**
 * Requests in the shape older wallets still read (digest of OpenID4VP drafts → 1.0, §8): the
 * credentials asked for with a DIF Presentation Exchange `presentation_definition` (drafts up to
 * 25; 1.0 has `dcql_query` only) and, for drafts 19 to 21, a client_id without its prefix beside
 * a separate `client_id_scheme`. Built from the same DCQL query, served with a warning naming the
 * draft, never in strict mode. Only `dc+sd-jwt`: the mdoc handover of those drafts is ISO
 * 18013-7's, which this verifier does not check.
 */
import type { ParsedDcqlQuery } from './dcql.js';

export type DraftRequestShape = 'presentation_definition' | 'client_id_scheme';

export const DRAFT_REQUEST_NAMES: Record<DraftRequestShape, string> = {
  presentation_definition: 'drafts 22 to 25: presentation_definition (Presentation Exchange) instead of dcql_query, vp_formats in client_metadata',
  client_id_scheme: 'drafts 19 to 21: presentation_definition, client_id without its prefix and a separate client_id_scheme',
};

/** Why the query or options cannot be asked in a draft shape (empty: they can). */
export function draftRequestProblems(shape: DraftRequestShape, query: ParsedDcqlQuery, prefix: string): string[] {
  const problems: string[] = [];
  for (const c of query.credentials) {
    if (c.format !== 'dc+sd-jwt') problems.push(`draft_request: credential query ${c.id} is ${c.format}; only dc+sd-jwt is asked in a draft shape (the mdoc handover of drafts up to 28 is ISO 18013-7's, not checked here)`);
    if (c.claim_sets) problems.push(`draft_request: credential query ${c.id} has claim_sets, which Presentation Exchange cannot say; ask one claim set`);
  }
  if (query.credential_sets) problems.push('draft_request: credential_sets have no Presentation Exchange counterpart here; ask each credential');
  if (shape === 'client_id_scheme' && prefix === 'x509_hash') problems.push('draft_request: x509_hash exists from draft 25 on; drafts 19 to 21 know x509_san_dns and redirect_uri');
  return problems;
}

/** A JSONPath for Presentation Exchange from a DCQL claims path (null = every array element). */
function jsonPath(path: (string | number | null)[]): string {
  return `$${path.map((p) => (p === null ? '[*]' : typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `['${p.replace(/'/g, "\\'")}']`)).join('')}`;
}

const SD_JWT_FORMAT = { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] };

/**
 * The DCQL query as a presentation_definition: one input descriptor per credential query, its id
 * the query id (so presentation_submission maps back), vct and each claim a field, values as a
 * filter, selective disclosure required. Both SD-JWT format ids: vc+sd-jwt (up to draft 22) and
 * dc+sd-jwt (from draft 23).
 */
export function presentationDefinitionFrom(query: ParsedDcqlQuery, definitionId: string): Record<string, unknown> {
  return {
    id: definitionId,
    input_descriptors: query.credentials.map((c) => {
      const vcts = (c.meta as { vct_values?: string[] } | undefined)?.vct_values ?? [];
      const claims = (c.claims ?? []).filter((cl): cl is typeof cl & { path: (string | number | null)[] } => 'path' in cl);
      return {
        id: c.id,
        format: { 'vc+sd-jwt': SD_JWT_FORMAT, 'dc+sd-jwt': SD_JWT_FORMAT },
        constraints: {
          limit_disclosure: 'required',
          fields: [
            { path: ['$.vct'], filter: { type: 'string', enum: vcts } },
            ...claims.map((cl) => ({ path: [jsonPath(cl.path)], ...('values' in cl && cl.values ? { filter: { enum: cl.values } } : {}) })),
          ],
        },
      };
    }),
  };
}

/** client_metadata names of drafts up to 26 (vp_formats) and the JARM-era encryption parameters of drafts up to 25. */
export function draftClientMetadata(encryptionJwks: { keys: unknown[] } | null): Record<string, unknown> {
  return {
    vp_formats: { 'vc+sd-jwt': SD_JWT_FORMAT, 'dc+sd-jwt': SD_JWT_FORMAT },
    ...(encryptionJwks ? { jwks: encryptionJwks, authorization_encrypted_response_alg: 'ECDH-ES', authorization_encrypted_response_enc: 'A128GCM' } : {}),
  };
}

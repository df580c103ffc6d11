/**
 * DCQL (OpenID4VP 1.0 §6, §7): validation of a query typed in or shipped as a preset, and the
 * verifier's own judgement of what arrived against it. Parsing, claim_sets / credential_sets and
 * values matching come from the `dcql` library (OpenWallet Foundation); the rules it leaves open
 * for a verifier (formats this verifier can check, `meta` required since draft 29) are added here.
 */
import { DcqlPresentationResult, DcqlQuery } from 'dcql';

export type ParsedDcqlQuery = DcqlQuery.Output;

/** Formats whose presentations this verifier verifies (OpenID4VP 1.0 App. B.2, B.3). */
export const VERIFIABLE_FORMATS = ['dc+sd-jwt', 'mso_mdoc'] as const;

export type DcqlParseResult = { ok: true; query: ParsedDcqlQuery } | { ok: false; problems: string[] };

export function parseDcqlQuery(input: unknown): DcqlParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, problems: ['dcql_query: must be a JSON object with credentials (OpenID4VP 1.0 §6)'] };
  let query: ParsedDcqlQuery;
  try {
    query = DcqlQuery.parse(input as DcqlQuery.Input);
    DcqlQuery.validate(query);
  } catch (e) {
    return { ok: false, problems: describeDcqlError(e) };
  }
  const problems: string[] = [];
  query.credentials.forEach((c, i) => {
    const at = `dcql_query.credentials[${i}] (${c.id})`;
    if (!(VERIFIABLE_FORMATS as readonly string[]).includes(c.format)) problems.push(`${at}: format ${c.format} is not verified here (expected ${VERIFIABLE_FORMATS.join(' or ')})`);
    const meta = (input as { credentials?: { meta?: Record<string, unknown> }[] }).credentials?.[i]?.meta;
    // §6.1: meta is REQUIRED since draft 29, with vct_values / doctype_value for these formats (B.3.5, B.2.3).
    if (c.format === 'dc+sd-jwt' && !Array.isArray(meta?.vct_values)) problems.push(`${at}: meta.vct_values is required for dc+sd-jwt (OpenID4VP 1.0 App. B.3.5)`);
    // namespace + claim_name is the mdoc claims shape of drafts 22-23; 1.0 has path [namespace, element] (§7.2).
    if (c.claims?.some((cl) => !('path' in cl))) problems.push(`${at}: claims use namespace/claim_name (drafts 22-23); use path: [namespace, element] (OpenID4VP 1.0 §7.2)`);
    if (c.format === 'mso_mdoc' && typeof meta?.doctype_value !== 'string') problems.push(`${at}: meta.doctype_value is required for mso_mdoc (OpenID4VP 1.0 App. B.2.3)`);
  });
  return problems.length ? { ok: false, problems } : { ok: true, query };
}

function describeDcqlError(e: unknown): string[] {
  const err = e as { message?: string; cause?: unknown; issues?: { message: string; path?: { key: unknown }[] }[] };
  const issues = err.issues ?? (err.cause as { issues?: typeof err.issues } | undefined)?.issues;
  if (issues?.length) return issues.map((i) => `dcql_query${(i.path ?? []).map((p) => (typeof p.key === 'number' ? `[${p.key}]` : `.${String(p.key)}`)).join('')}: ${i.message}`);
  return [`dcql_query: ${err.message ?? String(e)}`];
}

/** A credential the verifier has verified, as DCQL sees it (claims: everything disclosed). */
export type DcqlVerifiedCredential =
  | { credential_format: 'dc+sd-jwt'; vct: string; claims: Record<string, unknown>; cryptographic_holder_binding: boolean }
  | { credential_format: 'mso_mdoc'; doctype: string; namespaces: Record<string, Record<string, unknown>>; cryptographic_holder_binding: boolean };

export interface DcqlJudgement {
  satisfied: boolean;
  /** Per credential query id: the claims the query asked for (the matching claim set), as disclosed. */
  requestedClaims: Record<string, Record<string, unknown>>;
  /** What is missing, in words, when not satisfied. */
  missing: string[];
}

/**
 * Judges verified presentations against the query (§6.4, §8.6): every required credential query
 * or credential set option met, each with the claims of one claim set. The result keeps only
 * the claims the query asked for.
 */
export function judgeDcqlPresentation(query: ParsedDcqlQuery, presented: Record<string, DcqlVerifiedCredential[]>): DcqlJudgement {
  const input = Object.fromEntries(Object.entries(presented).filter(([, v]) => v.length > 0)) as Parameters<typeof DcqlPresentationResult.fromDcqlPresentation>[0];
  let result: ReturnType<typeof DcqlPresentationResult.fromDcqlPresentation>;
  try {
    result = DcqlPresentationResult.fromDcqlPresentation(input, { dcqlQuery: query });
  } catch (e) {
    return { satisfied: false, requestedClaims: {}, missing: [(e as Error).message] };
  }
  const requestedClaims: Record<string, Record<string, unknown>> = {};
  const missing: string[] = [];
  for (const [id, match] of Object.entries(result.credential_matches) as [string, Record<string, any>][]) {
    if (match.success) {
      const valid = match.valid_credentials?.[0];
      const claimSet = valid?.claims?.valid_claim_sets?.[0]?.output ?? valid?.claims?.valid_claims?.reduce((a: object, c: { output: object }) => ({ ...a, ...c.output }), {}) ?? {};
      requestedClaims[id] = claimSet as Record<string, unknown>;
    } else if (presented[id]?.length) {
      const failed = match.failed_credentials?.[0];
      const issues = [failed?.meta?.issues, ...(failed?.claims?.failed_claim_sets ?? failed?.claims?.failed_claims ?? []).map((f: { issues?: unknown }) => f.issues)].filter(Boolean);
      missing.push(`${id}: ${issues.map((i) => JSON.stringify(i)).join('; ').slice(0, 300) || 'does not match the query'}`);
    }
  }
  if (!result.can_be_satisfied) {
    const required = query.credential_sets
      ? query.credential_sets.filter((s) => s.required !== false).map((s) => `one of ${s.options.map((o) => `[${o.join(', ')}]`).join(' or ')}`)
      : query.credentials.map((c) => c.id).filter((id) => !(id in requestedClaims));
    if (required.length) missing.push(`required: ${required.join('; ')}`);
  }
  return { satisfied: result.can_be_satisfied, requestedClaims, missing };
}

/** Disclosed claim paths that no claims query of the credential query asked for. */
export function unrequestedClaimPaths(query: ParsedDcqlQuery, credentialQueryId: string, disclosedPaths: string[][]): string[][] {
  const cq = query.credentials.find((c) => c.id === credentialQueryId);
  if (!cq?.claims) return disclosedPaths;
  const asked: string[][] = cq.claims.map((c) => ('path' in c ? c.path : [c.namespace, c.claim_name]).map((p: unknown) => (p === null ? '*' : String(p))));
  const covered = (path: string[]): boolean => asked.some((a) => a.length <= path.length && a.every((seg, i) => seg === '*' || seg === path[i])) || asked.some((a) => a.length > path.length && path.every((seg, i) => a[i] === '*' || a[i] === seg));
  return disclosedPaths.filter((p) => !covered(p));
}

/**
 * Configurations of this issuer that can answer the query's credential queries (vct in
 * vct_values, doctype = doctype_value): what the reference wallet is issued before it presents.
 * One per credential query, the first configured; aliases are the same credential.
 */
export function configurationsAnswering(query: ParsedDcqlQuery, configurations: Iterable<{ id: string; format: string; vct?: string; doctype?: string }>): { answered: string[]; unanswered: string[] } {
  const all = [...configurations];
  const answered = new Set<string>();
  const unanswered: string[] = [];
  for (const cq of query.credentials) {
    const meta = cq.meta as { vct_values?: string[]; doctype_value?: string } | undefined;
    const match = all.find((c) => c.format === cq.format && (cq.format === 'dc+sd-jwt' ? !!c.vct && (meta?.vct_values ?? []).includes(c.vct) : c.doctype === meta?.doctype_value));
    if (match) answered.add(match.id);
    else unanswered.push(cq.id);
  }
  return { answered: [...answered], unanswered };
}

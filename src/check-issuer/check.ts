import { fetchIssuerDocuments } from './fetch.js';
import { Findings, type Finding } from './findings.js';
import { checkHaip } from './rules-haip.js';
import { checkAuthorizationServers, checkIdentifier, checkIssuerMetadata } from './rules-oid4vci.js';

export interface CheckReport {
  issuer: string;
  fetched: { url: string; status?: number; error?: string }[];
  findings: Finding[];
  summary: { error: number; warning: number; info: number };
}

/** The whole self-check for one issuer identifier; network access only to its published URLs. */
export async function checkIssuer(identifier: string, opts: { allowHttp: boolean; haip: boolean }): Promise<CheckReport> {
  const findings = new Findings();
  // Used exactly as given: credential_issuer must equal it character for character (§12.2.2).
  const id = identifier;
  if (!URL.canParse(identifier)) throw new Error(`${identifier} is not a URL`);
  checkIdentifier(id, findings, opts.allowHttp);
  const docs = await fetchIssuerDocuments(id, findings);
  checkIssuerMetadata(docs, findings, opts.allowHttp);
  checkAuthorizationServers(docs, findings);
  if (opts.haip) checkHaip(docs, findings);
  const fetched = [docs.inserted, docs.appended, ...docs.authorizationServers.flatMap((a) => [a.fetched, a.fallback]), docs.jwks]
    .filter((x) => x !== undefined)
    .map((x) => ({ url: x!.url, ...(x!.status !== undefined ? { status: x!.status } : {}), ...(x!.error ? { error: x!.error } : {}) }));
  return { issuer: id, fetched, findings: findings.items, summary: { error: findings.count('error'), warning: findings.count('warning'), info: findings.count('info') } };
}

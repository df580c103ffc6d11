/**
 * Fetching an issuer's published documents the way wallets do: issuer metadata at the
 * path-inserted well-known URL (OID4VCI 1.0 §12.2.2) and at the appended form older wallets use,
 * AS metadata per RFC 8414 §3.1 (and openid-configuration as a fallback), and the JWKS.
 */
import { Findings, isObject } from './findings.js';

export interface Fetched {
  url: string;
  status?: number;
  contentType?: string;
  json?: Record<string, unknown>;
  error?: string;
}

/** RFC 8414 §3.1 / OID4VCI §12.2.2: `/.well-known/<name>` inserted between host and path. */
export function insertedWellKnown(identifier: string, name: string): string {
  const u = new URL(identifier);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}/.well-known/${name}${path}`;
}

/** Drafts ≤ 15: appended after the identifier (trailing slash stripped first). */
export function appendedWellKnown(identifier: string, name: string): string {
  return `${identifier.replace(/\/+$/, '')}/.well-known/${name}`;
}

export async function fetchJson(url: string, timeoutMs = 10_000): Promise<Fetched> {
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    const contentType = res.headers.get('content-type') ?? undefined;
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      const parsed = JSON.parse(text);
      if (isObject(parsed)) json = parsed;
    } catch {
      // reported by the caller through the missing json
    }
    return { url, status: res.status, contentType, ...(json ? { json } : {}) };
  } catch (e) {
    return { url, error: (e as Error).message };
  }
}

export interface IssuerDocuments {
  identifier: string;
  inserted: Fetched;
  appended?: Fetched;
  /** The metadata used for the checks: the inserted form, else the appended one. */
  metadata?: Record<string, unknown>;
  authorizationServers: { issuer: string; fetched: Fetched; fallback?: Fetched; metadata?: Record<string, unknown> }[];
  jwks?: Fetched;
}

export async function fetchIssuerDocuments(identifier: string, findings: Findings): Promise<IssuerDocuments> {
  const hasPath = new URL(identifier).pathname.replace(/\/+$/, '') !== '';
  const inserted = await fetchJson(insertedWellKnown(identifier, 'openid-credential-issuer'));
  const appended = hasPath ? await fetchJson(appendedWellKnown(identifier, 'openid-credential-issuer')) : undefined;
  const ok = (f?: Fetched) => f?.status === 200 && f.json !== undefined;
  if (!ok(inserted)) {
    findings.error('OID4VCI 1.0', 'metadata.well_known.inserted', '§12.2.2', `no JSON metadata at the path-inserted URL ${inserted.url} (${inserted.error ?? `HTTP ${inserted.status}`})`, 'issuer');
  } else if (inserted.contentType && !/application\/json/.test(inserted.contentType)) {
    findings.warn('OID4VCI 1.0', 'metadata.content_type', '§12.2.2', `metadata served as ${inserted.contentType}, expected application/json`, 'issuer');
  }
  if (hasPath && !ok(appended)) {
    findings.warn('OID4VCI 1.0', 'metadata.well_known.appended', '§12.2.2', `no metadata at the appended URL ${appended!.url}: wallets of drafts <= 15 look there`, 'issuer');
  }
  const metadata = ok(inserted) ? inserted.json : ok(appended) ? appended!.json : undefined;
  const servers = Array.isArray(metadata?.authorization_servers) && metadata!.authorization_servers.length > 0
    ? (metadata!.authorization_servers as unknown[]).filter((s): s is string => typeof s === 'string') : [identifier];
  const authorizationServers: IssuerDocuments['authorizationServers'] = [];
  for (const issuer of servers) {
    let fetched: Fetched;
    try {
      fetched = await fetchJson(insertedWellKnown(issuer, 'oauth-authorization-server'));
    } catch {
      fetched = { url: issuer, error: 'not a URL' };
    }
    let fallback: Fetched | undefined;
    if (!ok(fetched)) {
      fallback = await fetchJson(insertedWellKnown(issuer, 'openid-configuration'));
      findings.add({
        id: 'as.well_known', severity: ok(fallback) ? 'warning' : 'error', profile: 'RFC 8414', spec_ref: '§3.1',
        message: `no AS metadata at ${fetched.url} (${fetched.error ?? `HTTP ${fetched.status}`})${ok(fallback) ? `; found at ${fallback.url} instead` : ''}`, at: 'as',
      });
    }
    authorizationServers.push({ issuer, fetched, ...(fallback ? { fallback } : {}), metadata: ok(fetched) ? fetched.json : ok(fallback) ? fallback!.json : undefined });
  }
  const jwksUri = authorizationServers[0]?.metadata?.jwks_uri;
  const jwks = typeof jwksUri === 'string' ? await fetchJson(jwksUri) : undefined;
  return { identifier, inserted, ...(appended ? { appended } : {}), ...(metadata ? { metadata } : {}), authorizationServers, ...(jwks ? { jwks } : {}) };
}

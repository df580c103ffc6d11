import { hashSecret } from '../core/ids.js';
import type { ProtocolRequest } from '../protocol/request.js';
import type { LogEntry, Store } from '../store/store.js';
import { isRequestEntry } from '../session-log/har.js';

/**
 * A request the protocol refused before it learnt its session (a token request sent as JSON, a
 * misspelled grant_type) still belongs on that session when it carries one of the session's
 * secrets or handles. The values are looked up by their hash, as the store keeps them; nothing is
 * read from the logs, where they are only fingerprints.
 */

export type CarriedKind = 'access_token' | 'pre-authorized_code' | 'issuer_state' | 'authorization_code' | 'refresh_token' | 'transaction_id' | 'request_uri';
export interface CarriedSecret {
  kind: CarriedKind;
  value: string;
}

/** Body or query parameter names, as wallets spell them, also the common misspellings. */
const PARAMS: Record<string, CarriedKind> = {
  'pre-authorized_code': 'pre-authorized_code',
  pre_authorized_code: 'pre-authorized_code',
  preauthorized_code: 'pre-authorized_code',
  'pre-authorized-code': 'pre-authorized_code',
  issuer_state: 'issuer_state',
  code: 'authorization_code',
  refresh_token: 'refresh_token',
  transaction_id: 'transaction_id',
  request_uri: 'request_uri',
  access_token: 'access_token',
};

const MAX_VALUE = 4096;

/** Every secret the request carries, wherever it put it and whatever its body's media type says. Pure. */
export function secretsCarried(request: Pick<ProtocolRequest, 'headers' | 'query' | 'rawBody' | 'body'>): CarriedSecret[] {
  const out: CarriedSecret[] = [];
  const add = (kind: CarriedKind | undefined, value: unknown) => {
    if (kind && typeof value === 'string' && value.length > 0 && value.length <= MAX_VALUE && !out.some((s) => s.kind === kind && s.value === value)) out.push({ kind, value });
  };
  const auth = request.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^\s*(?:bearer|dpop)\s+(\S+)\s*$/i.exec(auth);
    if (m) add('access_token', m[1]);
  }
  for (const [name, value] of new URLSearchParams(request.query)) add(PARAMS[name.toLowerCase()], value);
  for (const [name, value] of parameters(request)) add(PARAMS[name.toLowerCase()], value);
  return out;
}

/** Body parameters: as parsed, or else the raw text read as JSON, then as a form (a mislabelled body). */
function parameters(request: Pick<ProtocolRequest, 'rawBody' | 'body'>): [string, unknown][] {
  const b = request.body;
  if (b.kind === 'form') return b.pairs;
  if (b.kind === 'json') return b.value && typeof b.value === 'object' && !Array.isArray(b.value) ? Object.entries(b.value) : [];
  if (b.kind === 'empty') return [];
  const raw = request.rawBody.trim();
  if (raw.startsWith('{')) {
    try {
      const value = JSON.parse(raw) as unknown;
      if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
    } catch {
      // not JSON after all: try it as a form below
    }
  }
  return [...new URLSearchParams(raw)];
}

type Lookups = Pick<Store, 'tokens' | 'grants' | 'authorizations' | 'refreshTokens' | 'transactions'>;

/** The session the first known secret belongs to, and which secret told it. */
export async function sessionOfSecrets(store: Lookups, secrets: readonly CarriedSecret[]): Promise<{ sessionId: string; via: CarriedKind } | null> {
  for (const s of secrets) {
    const hash = hashSecret(s.value);
    const record =
      s.kind === 'access_token' ? await store.tokens.get(hash)
        : s.kind === 'pre-authorized_code' ? await store.grants.peekPreAuthorized(hash)
          : s.kind === 'issuer_state' ? await store.authorizations.getIssuerState(hash)
            : s.kind === 'authorization_code' ? await store.authorizations.peekCode(hash)
              : s.kind === 'refresh_token' ? await store.refreshTokens.peek(hash)
                : s.kind === 'transaction_id' ? await store.transactions.peek(hash)
                  : await store.authorizations.peekRequestUri(hash);
    if (record) return { sessionId: record.sessionId, via: s.kind };
  }
  return null;
}

/** How far around a session's own requests an unbound request still counts as "around the same time". */
const BEFORE_MS = 60_000;
const AFTER_MS = 10 * 60_000;

/**
 * Unbound requests that are probably this session's wallet: same User-Agent (or kept client
 * address) as one of the session's requests, from a minute before the session to ten minutes
 * after its last request. Pure; newest first.
 */
export function nearbyUnbound(unbound: readonly LogEntry[], sessionRequests: readonly LogEntry[], createdAt: number): LogEntry[] {
  const requests = sessionRequests.filter(isRequestEntry);
  if (requests.length === 0) return [];
  const agents = new Set(requests.map((r) => header(r, 'user-agent')).filter((v): v is string => !!v));
  const ips = new Set(requests.map((r) => r.data?.client_ip).filter((v): v is string => typeof v === 'string'));
  const from = createdAt - BEFORE_MS;
  const to = Math.max(...requests.map((r) => r.timestamp)) + AFTER_MS;
  return unbound
    .filter((l) => isRequestEntry(l) && l.timestamp >= from && l.timestamp <= to)
    .filter((l) => agents.has(header(l, 'user-agent') ?? '') || (typeof l.data?.client_ip === 'string' && ips.has(l.data.client_ip)))
    .sort((a, b) => b.timestamp - a.timestamp);
}

function header(l: LogEntry, name: string): string | undefined {
  const v = (l.data?.headers as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' && v ? v : undefined;
}

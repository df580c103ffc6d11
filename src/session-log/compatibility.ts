/**
 * The wallet compatibility matrix, built from recorded sessions only: which
 * wallets (User-Agent of their requests, and the OID4VCI draft their request shapes show) got
 * through which protocol step, and with which diagnostics they failed. Pure: the caller loads
 * the sessions' request entries (debug, with headers and status) and diagnostics.
 */
import type { LogEntry } from '../store/store.js';

/** Wallet-facing steps in flow order (endpoint names of the request log). */
export const matrixSteps = ['credential_offer', 'par', 'authorization', 'token', 'nonce', 'credential', 'deferred_credential', 'notification'] as const;
export type MatrixStep = (typeof matrixSteps)[number];

/** What a session's diagnostics say about the draft it spoke; the oldest sign wins. */
const DRAFT_SIGNS: Record<string, DraftLabel> = {
  'token.tx_code.legacy_user_pin': 'draft 11-12',
  'token.tx_code.legacy_user_pin_refused': 'draft 11-12',
  'draft.request.format': 'draft 13-14',
  'draft.response.credential': 'draft 13-14',
  'draft.token.c_nonce': 'draft 13-14',
  'draft.format.vc_sd_jwt': 'draft 13-14',
  'credential.request.legacy_format': 'draft 13-14',
  'draft.proof.singular': 'draft 13-15',
  'draft.deferred.issuance_pending': 'draft 13-15',
  'credential.proof.legacy_singular': 'draft 13-15',
};
const DRAFT_ORDER = ['1.0', 'draft 13-15', 'draft 13-14', 'draft 11-12'] as const;
export type DraftLabel = (typeof DRAFT_ORDER)[number];

export interface SessionTrace {
  sessionId: string;
  createdAt: number;
  /** Request entries (debug, data.method/status/headers) and diagnostics (data.code), any order. */
  logs: LogEntry[];
}

export interface StepCell {
  /** Sessions in which the step succeeded at least once (2xx, 202 included). */
  passed: number;
  /** Sessions in which the step was tried and never succeeded. */
  failed: number;
  /** Error codes seen at this step, with the number of sessions each appeared in. */
  codes: Record<string, number>;
}

export interface MatrixRow {
  wallet: string;
  draft: DraftLabel;
  sessions: number;
  /** Sessions in which a credential was delivered (credential or deferred_credential 200). */
  issued: number;
  steps: Record<MatrixStep, StepCell>;
  last_seen: string;
  /** Newest first, at most five, for links to their session pages. */
  recent_sessions: string[];
}

const NO_AGENT = '(no User-Agent)';

export function buildCompatibilityMatrix(traces: SessionTrace[]): MatrixRow[] {
  const rows = new Map<string, MatrixRow & { lastSeenMs: number }>();
  for (const trace of traces) {
    const requests = trace.logs.filter(isRequestEntry);
    if (requests.length === 0) continue;
    const wallet = walletOf(requests);
    const draft = draftOf(trace.logs);
    const key = `${wallet}\u0000${draft}`;
    let row = rows.get(key);
    if (!row) {
      row = { wallet, draft, sessions: 0, issued: 0, steps: emptySteps(), last_seen: '', recent_sessions: [], lastSeenMs: 0 };
      rows.set(key, row);
    }
    row.sessions++;
    const lastMs = Math.max(...requests.map((r) => r.timestamp));
    if (lastMs > row.lastSeenMs) row.lastSeenMs = lastMs;
    row.recent_sessions.push(trace.sessionId);
    let delivered = false;
    for (const step of matrixSteps) {
      const tried = requests.filter((r) => r.endpoint === step);
      if (tried.length === 0) continue;
      const ok = tried.some((r) => statusOf(r) < 400);
      if (ok) row.steps[step].passed++;
      else row.steps[step].failed++;
      if (ok && (step === 'credential' || step === 'deferred_credential') && tried.some((r) => statusOf(r) === 200)) delivered = true;
      const codes = new Set(trace.logs.filter((l) => l.endpoint === step && l.level === 'error' && typeof l.data?.code === 'string').map((l) => l.data!.code as string));
      for (const code of codes) row.steps[step].codes[code] = (row.steps[step].codes[code] ?? 0) + 1;
    }
    if (delivered) row.issued++;
  }
  return [...rows.values()]
    .sort((a, b) => b.lastSeenMs - a.lastSeenMs)
    .map(({ lastSeenMs, ...row }) => ({ ...row, last_seen: new Date(lastSeenMs).toISOString(), recent_sessions: row.recent_sessions.slice(-5).reverse() }));
}

function emptySteps(): Record<MatrixStep, StepCell> {
  return Object.fromEntries(matrixSteps.map((s) => [s, { passed: 0, failed: 0, codes: {} }])) as Record<MatrixStep, StepCell>;
}

function isRequestEntry(l: LogEntry): boolean {
  return l.level === 'debug' && typeof l.data?.method === 'string' && typeof l.data?.status === 'number' && (matrixSteps as readonly string[]).includes(l.endpoint);
}

function statusOf(l: LogEntry): number {
  return l.data!.status as number;
}

function userAgentOf(l: LogEntry): string | undefined {
  const headers = l.data?.headers as Record<string, unknown> | undefined;
  const ua = headers?.['user-agent'];
  return typeof ua === 'string' && ua.trim() ? ua.trim().slice(0, 160) : undefined;
}

/**
 * The wallet is the client that asked for the token (the offer is often fetched by a phone's
 * camera or a browser first); without a token request, the most frequent User-Agent.
 */
export function walletOf(requests: LogEntry[]): string {
  const atToken = requests.find((r) => r.endpoint === 'token' && userAgentOf(r));
  if (atToken) return userAgentOf(atToken)!;
  const counts = new Map<string, number>();
  for (const r of requests) {
    const ua = userAgentOf(r);
    if (ua) counts.set(ua, (counts.get(ua) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? NO_AGENT;
}

export function draftOf(logs: readonly LogEntry[]): DraftLabel {
  let draft: DraftLabel = '1.0';
  for (const l of logs) {
    const sign = typeof l.data?.code === 'string' ? DRAFT_SIGNS[l.data.code] : undefined;
    if (sign && DRAFT_ORDER.indexOf(sign) > DRAFT_ORDER.indexOf(draft)) draft = sign;
  }
  return draft;
}

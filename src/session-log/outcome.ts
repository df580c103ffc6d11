import type { LogEntry, Store } from '../store/store.js';
import { draftOf, walletOf, type DraftLabel } from './compatibility.js';
import { isRequestEntry } from './har.js';

/**
 * What a session came to, at a glance: the state machine alone cannot say it, since a refused
 * request leaves the state where it was (a refused proof stays token_exchanged). Pure: the
 * caller passes the session's state, its newest entries and the exact error/warning totals.
 */

export type Outcome = 'succeeded' | 'refused' | 'in_progress' | 'expired' | 'ended';

export interface SessionSummary {
  outcome: Outcome;
  /** The step (endpoint) whose answer stopped the wallet, when refused. */
  refused_at: string | null;
  /** "succeeded", "refused at token", "in progress", "expired", "ended by the wallet". */
  label: string;
  errors: number;
  warnings: number;
  last_error: { id: string; request_id: string | null; endpoint: string; code: string | null; reason: string } | null;
  /** Null before the first wallet request. */
  wallet: { user_agent: string; draft: DraftLabel } | null;
}

export interface SummaryInput {
  state: string;
  /** Any order; the newest requests and diagnostics are enough. */
  logs: readonly LogEntry[];
  /** Exact totals when `logs` is a window; counted from `logs` otherwise. */
  errors?: number;
  warnings?: number;
}

const SUCCEEDED = new Set(['credential_issued', 'completed', 'verified']);
const LINE = 160;

export function summarizeSession(input: SummaryInput): SessionSummary {
  const logs = [...input.logs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const requests = logs.filter((l) => isRequestEntry(l) && typeof l.data?.status === 'number');
  const errorEntries = logs.filter((l) => l.level === 'error');
  const lastError = errorEntries[errorEntries.length - 1];
  const summary: Omit<SessionSummary, 'outcome' | 'refused_at' | 'label'> = {
    errors: input.errors ?? errorEntries.length,
    warnings: input.warnings ?? logs.filter((l) => l.level === 'warning').length,
    last_error: lastError
      ? {
          id: lastError.id,
          request_id: lastError.requestId,
          endpoint: lastError.endpoint,
          code: typeof lastError.data?.code === 'string' ? lastError.data.code : null,
          reason: oneLine(typeof lastError.data?.reason === 'string' ? lastError.data.reason : lastError.message),
        }
      : null,
    wallet: requests.length ? { user_agent: walletOf(requests), draft: draftOf(logs) } : null,
  };
  if (SUCCEEDED.has(input.state)) return { ...summary, outcome: 'succeeded', refused_at: null, label: 'succeeded' };
  if (input.state === 'expired') return { ...summary, outcome: 'expired', refused_at: null, label: 'expired' };
  if (input.state === 'credential_deleted') return { ...summary, outcome: 'ended', refused_at: null, label: 'ended by the wallet' };
  // A live session is refused when the wallet's newest request was refused: a retry that
  // succeeded puts it back in progress. A failed session names the step that failed last.
  const lastRequest = requests[requests.length - 1];
  const lastFailed = [...requests].reverse().find((r) => (r.data!.status as number) >= 400);
  const step = input.state === 'failed' ? (lastFailed?.endpoint ?? lastError?.endpoint ?? null) : lastRequest && (lastRequest.data!.status as number) >= 400 ? lastRequest.endpoint : null;
  if (step || input.state === 'failed') return { ...summary, outcome: 'refused', refused_at: step, label: step ? `refused at ${step}` : 'refused' };
  return { ...summary, outcome: 'in_progress', refused_at: null, label: 'in progress' };
}

function oneLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line.length > LINE ? `${line.slice(0, LINE - 1)}…` : line;
}

/** Newest entries read for a summary: enough for the last request, the wallet and draft signs. */
const WINDOW = 300;

/** Three indexed reads per session: exact error and warning totals, and the newest entries. */
export async function loadSessionSummary(store: Pick<Store, 'logs'>, session: { id: string; state: string }): Promise<SessionSummary> {
  const [errors, warnings, recent] = await Promise.all([
    store.logs.list(session.id, { level: ['error'], limit: 1, offset: 0, order: 'desc' }),
    store.logs.list(session.id, { level: ['warning'], limit: 1, offset: 0, order: 'desc' }),
    store.logs.list(session.id, { level: ['debug', 'warning', 'error'], limit: WINDOW, offset: 0, order: 'desc' }),
  ]);
  // The newest error may be older than the window: it is read on its own.
  const logs = recent.items.some((l) => l.id === errors.items[0]?.id) ? recent.items : [...recent.items, ...errors.items];
  return summarizeSession({ state: session.state, logs, errors: errors.total, warnings: warnings.total });
}

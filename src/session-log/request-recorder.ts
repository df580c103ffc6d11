import { boundUnboundData } from './log-bounds.js';
import { redactPrivateKeys } from './redact-keys.js';
import type { Clock } from '../core/clock.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { newSortableId } from '../core/ids.js';
import { transitionFor, type EventType } from '../core/session-state.js';
import type { CredentialSelfCheck, EventEntry, IssuedCredentialRecord, LogEntry, LogLevel, NewRecord, Store, StoreWrites } from '../store/store.js';

/**
 * Collects what one request tells its session — logs, events, issuance records, and the rows it
 * creates (a session, a code, a token, a nonce) — and writes it in one transaction before the
 * response is sent. A request that never learns its session (an
 * unknown code, garbage) is written with session_id null: the "unbound requests" stream.
 * Every session log entry is written through a recorder (also the self-check's and the
 * reference wallet's, which have no HTTP request of their own): toWrites() is the one place
 * that removes private keys from entries.
 */
export class RequestRecorder {
  sessionId: string | null = null;
  private readonly logs: LogEntry[] = [];
  private readonly events: EventEntry[] = [];
  private readonly issued: IssuedCredentialRecord[] = [];
  private readonly selfChecks: { credentialId: string; result: CredentialSelfCheck }[] = [];
  private readonly created: NewRecord[] = [];
  private readonly rebind: string[] = [];
  private readonly afterCommit: (() => Promise<void>)[] = [];

  constructor(
    private readonly clock: Clock,
    readonly requestId: string,
    readonly endpoint: string,
  ) {}

  bindSession(sessionId: string): void {
    this.sessionId = sessionId;
  }

  log(level: LogLevel, message: string, data?: Record<string, unknown>): LogEntry {
    const now = this.clock.nowMs();
    const entry: LogEntry = {
      id: newSortableId(now),
      sessionId: null,
      timestamp: now,
      level,
      endpoint: this.endpoint,
      requestId: this.requestId,
      message,
      data: data ?? null,
    };
    this.logs.push(entry);
    return entry;
  }

  /** A diagnostic becomes an error or warning entry carrying reason, expected, found, help, spec_ref. */
  diagnostic(d: Diagnostic, message?: string): void {
    this.log(d.severity === 'error' ? 'error' : 'warning', message ?? d.reason, { ...d });
  }

  event(type: EventType, details?: Record<string, unknown>): void {
    const now = this.clock.nowMs();
    this.events.push({ id: newSortableId(now), sessionId: '', type, timestamp: now, details: details ?? null });
  }

  /** A row this request creates; it exists once flush() returns, i.e. before the reply. */
  create(record: NewRecord): void {
    this.created.push(record);
  }

  recordIssued(record: IssuedCredentialRecord): void {
    this.issued.push(record);
  }

  /** The self-check outcome of a credential issued by an earlier request (its record exists). */
  recordSelfCheck(credentialId: string, result: CredentialSelfCheck): void {
    this.selfChecks.push({ credentialId, result });
  }

  /** Writes none of the log entries collected so far (what the request creates is still written). */
  discardLogs(): void {
    this.logs.length = 0;
  }

  /** Claims the unbound log entries of an earlier request (e.g. the nonce request) for this session. */
  adoptRequest(requestId: string): void {
    this.rebind.push(requestId);
  }

  hasEvent(type: EventType): boolean {
    return this.events.some((e) => e.type === type);
  }

  toWrites(): StoreWrites {
    const sessionId = this.sessionId;
    // No private key is ever stored, even one a wallet sent by mistake; of an entry nobody's
    // session vouches for, only a few KiB.
    const logs = this.logs.map((l) => {
      const data = redactPrivateKeys(l.data);
      return { ...l, sessionId, data: sessionId ? data : boundUnboundData(data) };
    });
    const created = this.created;
    if (!sessionId) return { created, logs, events: [], transitions: [], issued: [] };
    const events = this.events.map((e) => ({ ...e, sessionId }));
    const transitions = events.flatMap((e) => {
      const t = transitionFor(e.type as EventType, e.details);
      return t ? [{ sessionId, from: [...t.from], to: t.to, at: e.timestamp }] : [];
    });
    const rebind = this.rebind.map((requestId) => ({ requestId, sessionId }));
    return { created, logs, events, transitions, issued: this.issued, rebind, selfChecks: this.selfChecks };
  }

  /**
   * Work that must not delay the reply but belongs to this request (the self-check of
   * issued credentials). It starts once this request's writes are committed, i.e. after the
   * rows it refers to exist; app close waits for it (drainAfterFlushTasks).
   */
  afterFlush(task: () => Promise<void>): void {
    this.afterCommit.push(task);
  }

  async flush(store: Pick<Store, 'write'>): Promise<void> {
    await store.write(this.toWrites());
    for (const task of this.afterCommit.splice(0)) {
      // setImmediate: the caller's reply goes out first, in the continuation of this flush.
      const run = new Promise<void>((resolve) => setImmediate(() => task().catch(() => {}).finally(resolve)));
      pendingAfterFlush.add(run);
      void run.finally(() => pendingAfterFlush.delete(run));
    }
  }
}

/** After-flush tasks still running, process-wide (like the live streams of http/sse.ts). */
const pendingAfterFlush = new Set<Promise<void>>();

/** Resolves when every after-flush task started so far has finished (graceful shutdown). */
export async function drainAfterFlushTasks(): Promise<void> {
  while (pendingAfterFlush.size) await Promise.all([...pendingAfterFlush]);
}

import type { Clock } from '../core/clock.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { newSortableId } from '../core/ids.js';
import { transitionFor, type EventType } from '../core/session-state.js';
import type { EventEntry, IssuedCredentialRecord, LogEntry, LogLevel, Store, StoreWrites } from '../store/store.js';

/**
 * Collects what one request tells its session — logs, events, issuance records — and writes it
 * in one transaction when the response is sent. A request that never learns its session (an
 * unknown code, garbage) is written with session_id null: the "unbound requests" stream.
 */
export class RequestRecorder {
  sessionId: string | null = null;
  private readonly logs: LogEntry[] = [];
  private readonly events: EventEntry[] = [];
  private readonly issued: IssuedCredentialRecord[] = [];
  private readonly rebind: string[] = [];

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

  recordIssued(record: IssuedCredentialRecord): void {
    this.issued.push(record);
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
    const logs = this.logs.map((l) => ({ ...l, sessionId }));
    if (!sessionId) return { logs, events: [], transitions: [], issued: [] };
    const events = this.events.map((e) => ({ ...e, sessionId }));
    const transitions = events.flatMap((e) => {
      const t = transitionFor(e.type as EventType);
      return t ? [{ sessionId, from: [...t.from], to: t.to, at: e.timestamp }] : [];
    });
    const rebind = this.rebind.map((requestId) => ({ requestId, sessionId }));
    return { logs, events, transitions, issued: this.issued, rebind };
  }

  async flush(store: Pick<Store, 'write'>): Promise<void> {
    await store.write(this.toWrites());
  }
}

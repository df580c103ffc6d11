import type { Clock } from '../core/clock.js';
import { newSortableId } from '../core/ids.js';
import { transitionFor, type SessionState } from '../core/session-state.js';
import type { PurgeCounts, RetentionPolicy, Store } from './store.js';

const DAY_MS = 24 * 3600 * 1000;

/** The policy from the operator's settings (config.retention). */
export function retentionPolicy(r: { expiredGraceSeconds: number; logsDays: number; sessionsDays: number }, batchSize = 500): RetentionPolicy {
  return {
    expiredGraceMs: r.expiredGraceSeconds * 1000,
    logsMaxAgeMs: r.logsDays * DAY_MS,
    sessionsMaxAgeMs: r.sessionsDays * DAY_MS,
    batchSize,
  };
}

/**
 * Sessions that ended without their wallet finishing (an offer expired unredeemed, an
 * authorization or a code unused, tokens expired with no credential requested, a deferred
 * transaction never picked up, a presentation request unanswered) move to `expired` with a
 * `session_expired` event naming why (what the session page's timeline and the stream show),
 * instead of staying "in progress" until the purge deletes them silently. Runs before each purge,
 * in batches; on several instances each session is expired once (store.maintenance.expireEnded).
 * Returns how many.
 */
export async function expireSessions(store: Pick<Store, 'maintenance' | 'write'>, now: number, batchSize = 500, signal?: AbortSignal): Promise<number> {
  const transition = transitionFor('session_expired')!;
  let total = 0;
  for (;;) {
    if (signal?.aborted) return total;
    const expired = await store.maintenance.expireEnded(now, transition.from, transition.to, batchSize);
    if (expired.length > 0) {
      await store.write({
        logs: [],
        events: expired.map((s) => ({
          id: newSortableId(now),
          sessionId: s.id,
          type: 'session_expired',
          timestamp: now,
          details: { reason: s.reason, ended_at: new Date(s.endedAt).toISOString(), previous_state: s.state },
        })),
        // Already applied by expireEnded (a no-op here): carried so that live views, on this
        // instance and through the relay on others, send the new state with the event.
        transitions: expired.map((s) => ({ sessionId: s.id, from: [s.state], to: transition.to, at: now })),
        issued: [],
      });
    }
    total += expired.length;
    if (expired.length < batchSize) return total;
  }
}

export interface PurgeSchedule {
  /** Cancels the timer and stops a running purge between two batches. */
  stop(): Promise<void>;
}

/**
 * Runs the retention purge every `intervalMs` (±10% jitter, so instances sharing a database
 * spread their runs), never two at once in this process. Time comes from the clock, so a test
 * can run a purge "30 days later" without waiting. The timer does not keep the process alive.
 */
export function startPurgeSchedule(opts: {
  store: Pick<Store, 'maintenance' | 'write'>;
  clock: Clock;
  policy: RetentionPolicy;
  intervalMs: number;
  onDone?: (counts: PurgeCounts & { sessions_expired?: number }) => void;
  onError?: (err: unknown) => void;
}): PurgeSchedule {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let stopped = false;
  const abort = new AbortController();

  const schedule = () => {
    if (stopped) return;
    const delay = opts.intervalMs * (0.9 + Math.random() * 0.2);
    timer = setTimeout(() => {
      running = (async () => {
        const expired = await expireSessions(opts.store, opts.clock.nowMs(), opts.policy.batchSize, abort.signal);
        const counts = await opts.store.maintenance.purge(opts.policy, opts.clock.nowMs(), abort.signal);
        return expired > 0 ? { ...counts, sessions_expired: expired } : counts;
      })()
        .then((counts) => opts.onDone?.(counts), (err) => opts.onError?.(err))
        .finally(() => {
          running = null;
          schedule();
        });
    }, delay);
    timer.unref();
  };
  if (opts.intervalMs > 0) schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running;
    },
  };
}

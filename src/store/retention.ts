import type { Clock } from '../core/clock.js';
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
  store: Pick<Store, 'maintenance'>;
  clock: Clock;
  policy: RetentionPolicy;
  intervalMs: number;
  onDone?: (counts: PurgeCounts) => void;
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
      running = opts.store.maintenance
        .purge(opts.policy, opts.clock.nowMs(), abort.signal)
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

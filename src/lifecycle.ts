import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { drainAfterFlushTasks } from './session-log/request-recorder.js';
import type { Store } from './store/store.js';
import type { PurgeSchedule } from './store/retention.js';

/**
 * Graceful shutdown (SIGTERM/SIGINT), in this order:
 * 1. /readyz answers 503, so a load balancer stops sending new traffic here;
 * 2. the retention purge stops between two batches;
 * 3. app.close(): the server stops accepting connections, closes idle keep-alive ones and
 *    live streams, and waits for the requests in flight to finish (each writes its session
 *    log before it replies);
 * 4. after-flush tasks of those requests finish;
 * 5. store.close(): drains the group commit, ends the change listener and the pool.
 * Resolves true when all of it finished within `timeoutMs`, false when the time ran out.
 */
export async function shutdownGracefully(opts: {
  app: Pick<FastifyInstance, 'close' | 'server'>;
  store: Pick<Store, 'close'>;
  purge?: PurgeSchedule;
  setDraining: () => void;
  timeoutMs: number;
  log: Pick<FastifyBaseLogger, 'info' | 'error'>;
}): Promise<boolean> {
  opts.setDraining();
  // A keep-alive connection busy when close() began turns idle once its request is answered;
  // Node closes idle connections only at that first moment, so keep closing them: otherwise a
  // load balancer's pooled connection holds the shutdown until keepAliveTimeout.
  const sweeper = setInterval(() => opts.app.server.closeIdleConnections?.(), 50);
  sweeper.unref();
  const work = (async () => {
    await opts.purge?.stop();
    await opts.app.close();
    clearInterval(sweeper);
    // Work the finished requests started after their commit (self-checks) still uses the store.
    await drainAfterFlushTasks();
    await opts.store.close();
  })();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), opts.timeoutMs);
    timer.unref();
  });
  try {
    const finished = await Promise.race([work.then(() => true as const), timedOut]);
    if (finished) opts.log.info('shutdown complete: in-flight requests finished, session logs committed');
    else opts.log.error({ timeoutMs: opts.timeoutMs }, 'shutdown timed out; exiting with requests still in flight');
    return finished;
  } catch (err) {
    opts.log.error({ err }, 'shutdown failed');
    return false;
  } finally {
    clearTimeout(timer);
    clearInterval(sweeper);
  }
}

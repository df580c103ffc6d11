import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
 * crosses the threshold, on the connection that committed: in this process, the event loop.
 * Under load that was half of the time spent committing (profiled with `npm run bench`). A
 * worker thread with its own connection checkpoints at an interval instead; the main
 * connection keeps a far higher automatic threshold as a safety net, should the worker fall
 * behind or die. Only the server process starts one (main.ts): in-process apps (tests) keep
 * SQLite's default, as with the self-check worker.
 */
let enabled = false;

export function useBackgroundCheckpoints(on: boolean): void {
  enabled = on;
}

export function backgroundCheckpointsEnabled(): boolean {
  return enabled;
}

/** Pages in the WAL before the main connection checkpoints by itself (the worker normally does it first). */
export const SAFETY_NET_PAGES = 20_000;

export interface Checkpointer {
  close(): Promise<void>;
}

export function startCheckpointer(file: string, onError: (err: Error) => void, intervalMs = 250): Checkpointer {
  const worker = new Worker(new URL('./sqlite-checkpoint-worker.mjs', import.meta.url), { workerData: { file, intervalMs } });
  // The process may end without closing the store (a crash, process.exit): never keep it alive.
  worker.unref();
  worker.on('message', (m: { type: string; message?: string }) => {
    if (m.type === 'error') onError(new Error(`WAL checkpoint: ${m.message}`));
  });
  worker.on('error', onError);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async close() {
      // Held while it finishes: an unref'd worker's exit alone would not keep the loop waiting.
      worker.ref();
      worker.postMessage('close');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, 2000, 'timeout').unref());
      if ((await Promise.race([exited, timeout])) === 'timeout') await worker.terminate();
    },
  };
}

import { Worker } from 'node:worker_threads';
import type { CredentialSelfCheck } from '../store/store.js';
import type { IssuerDeps } from '../protocol/deps.js';
import type { SelfCheckJob } from './self-check.worker.js';
import { verifyIssuedCredential, type IssuedCredentialToCheck, type SelfCheckConfiguration } from './verify-issued-credential.js';

/**
 * Runs self-checks on one worker thread. The check costs more CPU than issuing the credential
 * (measured 1.0–1.5 ms each); on the event loop it competed with every request of the server,
 * on a worker it uses the other core. Falls back to the event loop if no worker can start.
 */
let worker: Worker | null | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (r: CredentialSelfCheck) => void; reject: (e: Error) => void }>();

let enabled = false;

/**
 * The server process (main.ts) turns the worker on. Apps built in-process (tests, embedding)
 * check on the event loop: under node's test runner a worker that loads TypeScript itself
 * deadlocked app.close().
 */
export function useSelfCheckWorker(on: boolean): void {
  enabled = on;
}

function getWorker(): Worker | null {
  if (!enabled) return null;
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(workerEntry());
    worker.unref();
    worker.on('message', (m: { id: number; result?: CredentialSelfCheck; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.result) p?.resolve(m.result);
      else p?.reject(new Error(m.error ?? 'self-check worker failed'));
    });
    worker.on('error', (e) => failAll(e));
    worker.on('exit', () => {
      failAll(new Error('self-check worker exited'));
      worker = null;
    });
  } catch {
    worker = null;
  }
  return worker;
}

/**
 * Compiled (dist/, this module is .js): the worker module itself. From source (.ts under tsx):
 * an entry that registers the TypeScript loader first, since a worker thread does not inherit
 * the loader of every launcher.
 */
function workerEntry(): URL {
  return import.meta.url.endsWith('.js') ? new URL('./self-check.worker.js', import.meta.url) : new URL('./self-check-worker-entry.mjs', import.meta.url);
}

function failAll(e: Error): void {
  for (const p of pending.values()) p.reject(e);
  pending.clear();
}

export async function runSelfCheck(deps: Pick<IssuerDeps, 'clock' | 'keys'>, item: IssuedCredentialToCheck): Promise<CredentialSelfCheck> {
  const w = getWorker();
  if (!w) return verifyIssuedCredential(deps, item);
  const { jwks, rootCertificatePem, signer } = deps.keys;
  const job: SelfCheckJob = {
    id: nextId++,
    nowMs: deps.clock.nowMs(),
    keys: { jwks, rootCertificatePem, signer: { certificateNotBefore: signer.certificateNotBefore, certificateNotAfter: signer.certificateNotAfter } },
    // Only what the check reads of the configuration: the whole one (display, claims metadata)
    // would be cloned into the worker for every credential.
    item: { configuration: typeFieldsOf(item.configuration), credential: item.credential, holderKeyThumbprint: item.holderKeyThumbprint },
  };
  return new Promise<CredentialSelfCheck>((resolve, reject) => {
    pending.set(job.id, { resolve, reject });
    w.postMessage(job);
  });
}

/** The fields verify-issued-credential.ts reads: format and the type parameter of each format. */
function typeFieldsOf(c: SelfCheckConfiguration): SelfCheckConfiguration {
  return {
    id: c.id,
    format: c.format,
    ...(c.vct !== undefined ? { vct: c.vct } : {}),
    ...(c.doctype !== undefined ? { doctype: c.doctype } : {}),
    ...(c.credential_definition?.type !== undefined ? { credential_definition: { type: c.credential_definition.type } } : {}),
  };
}

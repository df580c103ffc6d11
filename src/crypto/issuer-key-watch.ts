/**
 * Live key rotation: a running instance picks up a document signer rotated by another process
 * (`npm run keys -- rotate`, or another instance on a shared PostgreSQL database) without a
 * restart. Every `intervalMs` it looks for a change, cheaply:
 * - generated keys in DATA_DIR: the current document-signer certificate and the names of the
 *   archived ones (one small file read and one directory listing);
 * - keys shared through the database: the version of the shared key set (one row).
 * On a change it loads the set read-only (it never generates, renews or publishes, so it cannot
 * race the writer; an incomplete set mid-rotation is retried on the next tick) and replaces the
 * key material in place: everything that signs or publishes reads `deps.keys` per request, so
 * the next credential is signed by the new signer and the JWKS lists it beside the old one,
 * which stays until its certificate expires.
 * Operator-supplied keys (ISSUER_KEY_PEM) are not watched: replacing them takes a restart.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuerKeyMaterial } from './issuer-keys.types.js';
import { KEY_FILES, loadOrCreateIssuerKeys, type IssuerKeyOptions, type LoadedIssuerKeys } from './issuer-keys.js';
import { reloadSharedIssuerKeys, type SharedStateAccess } from './shared-issuer-keys.js';

export interface KeyWatch {
  stop(): void;
  /** One look now (tests, and the tick itself); resolves true when the keys were replaced. */
  check(): Promise<boolean>;
}

export interface KeyWatchOptions {
  /** The live material: replaced field by field, so every holder of the object sees the new keys. */
  keys: IssuerKeyMaterial;
  keyOptions: IssuerKeyOptions;
  /** Set when the keys are shared through the database, with the version loaded at start. */
  shared?: { state: SharedStateAccess; version: number };
  intervalMs: number;
  onRotated?: (keys: LoadedIssuerKeys) => void;
  onError?: (err: Error) => void;
}

export function watchIssuerKeys(opts: KeyWatchOptions): KeyWatch {
  const keyDir = join(opts.keyOptions.dataDir, 'keys');
  let version = opts.shared?.version ?? 0;
  let fingerprint: string | undefined;
  let running: Promise<boolean> | null = null;

  const localFingerprint = async () => {
    const cert = await readFile(join(keyDir, KEY_FILES.documentSignerCertificate), 'utf8').catch(() => '');
    const archived = (await readdir(keyDir).catch(() => [] as string[])).filter((f) => f.startsWith('document-signer.cert.')).sort();
    return `${cert}\n${archived.join('\n')}`;
  };

  const apply = (fresh: LoadedIssuerKeys) => {
    const { signer, rootCertificatePem, documentSignerCertificatePem, jwks } = fresh;
    Object.assign(opts.keys, { signer, rootCertificatePem, documentSignerCertificatePem, jwks });
    opts.onRotated?.(fresh);
  };

  const look = async (): Promise<boolean> => {
    if (opts.shared) {
      const reloaded = await reloadSharedIssuerKeys(opts.shared.state, opts.keyOptions, version);
      if (!reloaded) return false;
      version = reloaded.version;
      if (reloaded.keys.signer.kid === opts.keys.signer.kid && reloaded.keys.jwks.keys.length === opts.keys.jwks.keys.length) return false;
      apply(reloaded.keys);
      return true;
    }
    fingerprint ??= await initial;
    const now = await localFingerprint();
    if (now === fingerprint) return false;
    const fresh = await loadOrCreateIssuerKeys({ ...opts.keyOptions, readOnly: true });
    fingerprint = now;
    if (fresh.signer.kid === opts.keys.signer.kid && fresh.jwks.keys.length === opts.keys.jwks.keys.length) return false;
    apply(fresh);
    return true;
  };
  // The files as they were when the keys were loaded (the watch starts right after).
  const initial = opts.shared ? Promise.resolve('') : localFingerprint();

  const check = () => {
    running ??= look().finally(() => (running = null));
    return running;
  };
  const timer = opts.intervalMs > 0 ? setInterval(() => void check().catch((err) => opts.onError?.(err as Error)), opts.intervalMs) : undefined;
  timer?.unref();
  return {
    stop: () => clearInterval(timer),
    check,
  };
}

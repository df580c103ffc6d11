/**
 * Generated issuer keys shared by every instance on one database.
 *
 * Generated keys live in `${dataDir}/keys/` (issuer-keys.ts). Instances of one issuer each have
 * their own DATA_DIR, yet must sign with the same key and publish the same JWKS and root
 * certificate. So with a shared database the key files are mirrored in it:
 * - at start, the database's copy (if any) replaces the local files, then the usual loading
 *   (validation, document-signer rotation) runs on them;
 * - whatever this instance generated (first start, rotation) is published with a
 *   compare-and-set on the version it read. Losing that race means another instance generated
 *   or rotated at the same moment: its keys are adopted instead, so all end up with one set.
 * Operator-supplied keys (ISSUER_KEY_PEM) are not mirrored: every instance reads the same PEM.
 * The private keys are stored as the files hold them (encrypted with KEY_ENCRYPTION_SECRET when
 * set: every instance then needs the same secret); protect the database like DATA_DIR.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KEY_FILES, loadOrCreateIssuerKeys, type IssuerKeyOptions, type LoadedIssuerKeys } from './issuer-keys.js';

/** The store's shared-state compare-and-set (structurally; crypto does not import the store). */
export interface SharedStateAccess {
  get(name: string): Promise<{ value: string; version: number } | null>;
  put(name: string, value: string, expectedVersion: number | null, now: number): Promise<boolean>;
}

export const SHARED_KEYS_NAME = 'issuer_key_files';
const ATTEMPTS = 5;

type KeyFileSet = Partial<Record<keyof typeof KEY_FILES, string>> & {
  /** Archived document-signer certificates by file name: published until they expire. */
  previousSignerCertificates?: Record<string, string>;
};

/** An archived document-signer certificate (issuer-keys.ts archives on rotation). */
const ARCHIVED_SIGNER = /^document-signer\.cert\.\d{4}-[^/]*\.pem$/;

export async function loadSharedIssuerKeys(
  shared: SharedStateAccess,
  opts: IssuerKeyOptions,
  now: number,
): Promise<LoadedIssuerKeys & { sharing: 'adopted' | 'published'; version: number }> {
  const keyDir = join(opts.dataDir, 'keys');
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await shared.get(SHARED_KEYS_NAME);
    if (current) await writeKeyFiles(keyDir, JSON.parse(current.value) as KeyFileSet);
    const keys = await loadOrCreateIssuerKeys(opts);
    // Re-encrypted with KEY_ENCRYPTION_SECRET counts as new material: the database copy must not stay plain.
    if (current && !keys.generated && !keys.encryptedFiles) return { ...keys, sharing: 'adopted', version: current.version };
    // First instance on this database (or keys from DATA_DIR before it was shared), or this
    // instance rotated the document signer: offer ours.
    const files = await readKeyFiles(keyDir);
    if (await shared.put(SHARED_KEYS_NAME, JSON.stringify(files), current?.version ?? null, now)) {
      return { ...keys, sharing: 'published', version: (current?.version ?? 0) + 1 };
    }
  }
  throw new Error(`Could not agree on issuer keys with the other instances after ${ATTEMPTS} attempts`);
}

/**
 * A running instance adopts keys another instance (or `npm run keys -- rotate`) published after
 * `knownVersion`: null when there is nothing newer. Loads read-only: it never generates or
 * publishes, so it cannot race the writer.
 */
export async function reloadSharedIssuerKeys(
  shared: SharedStateAccess,
  opts: IssuerKeyOptions,
  knownVersion: number,
): Promise<{ keys: LoadedIssuerKeys; version: number } | null> {
  const current = await shared.get(SHARED_KEYS_NAME);
  if (!current || current.version === knownVersion) return null;
  await writeKeyFiles(join(opts.dataDir, 'keys'), JSON.parse(current.value) as KeyFileSet);
  return { keys: await loadOrCreateIssuerKeys({ ...opts, readOnly: true }), version: current.version };
}

async function readKeyFiles(keyDir: string): Promise<KeyFileSet> {
  const files: KeyFileSet = {};
  const archived = (await readdir(keyDir)).filter((f) => ARCHIVED_SIGNER.test(f) && !f.includes('.orphan'));
  if (archived.length) {
    files.previousSignerCertificates = {};
    for (const f of archived) files.previousSignerCertificates[f] = await readFile(join(keyDir, f), 'utf8');
  }
  for (const [name, file] of Object.entries(KEY_FILES) as [keyof typeof KEY_FILES, string][]) {
    try {
      files[name] = await readFile(join(keyDir, file), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return files;
}

/** Makes the local key directory hold exactly the shared set (keys 0600, written atomically). */
async function writeKeyFiles(keyDir: string, files: KeyFileSet): Promise<void> {
  await mkdir(keyDir, { recursive: true, mode: 0o700 });
  // Each key before its certificate: issuer-keys.ts reads a certificate as "pair complete".
  const order: (keyof typeof KEY_FILES)[] = ['rootKey', 'rootCertificate', 'documentSignerKey', 'documentSignerCertificate'];
  // Public certificates only; written first, so the signer they were archived for is published
  // with the new one.
  for (const [file, pem] of Object.entries(files.previousSignerCertificates ?? {})) {
    if (!ARCHIVED_SIGNER.test(file)) continue;
    const tmp = join(keyDir, `.${file}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, pem, { mode: 0o644 });
    await rename(tmp, join(keyDir, file));
  }
  for (const name of order) {
    const path = join(keyDir, KEY_FILES[name]);
    const content = files[name];
    if (content === undefined) {
      await rm(path, { force: true });
      continue;
    }
    const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, content, { mode: 0o600 });
    await rename(tmp, path);
  }
}

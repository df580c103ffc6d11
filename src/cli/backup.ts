/**
 * npm run backup -- <file> [--data-dir DIR]
 *
 * A consistent copy of the embedded SQLite database, taken while issuers keep serving: SQLite's
 * online backup API (better-sqlite3 `db.backup`) copies the pages in steps and restarts a step
 * when a writer changed the database meanwhile, so the copy is one committed state. The copy is
 * written beside the target, checked (integrity_check) and renamed into place, mode 0600. It
 * holds sessions, logs, issued-credential records and status lists; the generated issuer keys
 * and the admin token stay in DATA_DIR (keys/, admin-token) and are kept with it.
 *
 * Restore (docs/operations.md): stop the issuer, put the copy at DATA_DIR/issuance-lab.sqlite
 * (without -wal/-shm files beside it), with the DATA_DIR/keys of the same deployment, start.
 * PostgreSQL is backed up with pg_dump instead; this command says so and exits 2.
 */
import { chmodSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { loadConfig } from '../config/config.js';
import { sqliteFileOf } from '../store/open-store.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: npm run backup -- <file> [--data-dir DIR]');
  process.exit(2);
}
const config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}) });
if (config.databaseUrl) {
  console.error('DATABASE_URL is set: back up PostgreSQL with pg_dump (see docs/operations.md, "Back up and restore").');
  process.exit(2);
}
const source = sqliteFileOf(config.dataDir);
if (!existsSync(source)) {
  console.error(`No database at ${source} (DATA_DIR ${config.dataDir}).`);
  process.exit(1);
}
const target = resolve(positionals[0]);
if (target === resolve(source)) {
  console.error('The backup must not overwrite the database itself.');
  process.exit(2);
}
const partial = join(dirname(target), `.${basename(target)}.partial`);
rmSync(partial, { force: true });
const db = new Sqlite(source, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
try {
  const started = Date.now();
  // 1000 pages per step (4 MiB): the issuer's writers wait at most one short step.
  await db.backup(partial, { progress: () => 1000 });
  chmodSync(partial, 0o600);
  const check = new Sqlite(partial, { readonly: true });
  const integrity = check.pragma('integrity_check', { simple: true });
  check.close();
  if (integrity !== 'ok') throw new Error(`the copy fails its integrity check: ${integrity}`);
  renameSync(partial, target);
  console.log(`Backed up ${source} to ${target} (${(statSync(target).size / 1024).toFixed(0)} KiB, ${Date.now() - started} ms, integrity ok).`);
  console.log(`Keep with it: ${join(config.dataDir, 'keys')} (issuer keys)${config.hardening.keyEncryptionSecret ? ' and KEY_ENCRYPTION_SECRET' : ''}; see docs/operations.md to restore.`);
} catch (err) {
  rmSync(partial, { force: true });
  console.error(`Backup failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  db.close();
}

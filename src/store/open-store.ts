import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { createKyselyStore } from './kysely/kysely-store.js';
import { startPostgresChangeRelay } from './kysely/postgres-changes.js';
import { backgroundCheckpointsEnabled, SAFETY_NET_PAGES, startCheckpointer } from './sqlite-checkpointer.js';
import type { Database } from './kysely/tables.js';
import { migrationProvider } from './migrations/index.js';
import type { Store } from './store.js';

export interface StoreLocation {
  /** postgres://… selects PostgreSQL. */
  databaseUrl?: string;
  /** SQLite file directory; `:memory:` for an in-memory database (tests). */
  dataDir: string;
  /** PostgreSQL connections per instance (default 10). */
  poolMax?: number;
  /** Trouble in the background (idle pool connection lost, change listener reconnecting): for the process log. */
  onBackgroundError?: (err: Error, where: string) => void;
}

/** Opens the database the configuration names and brings its schema up to date. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl?.startsWith('postgres')) return openPostgres(location);
  return openSqlite(location.dataDir, location.onBackgroundError ?? (() => {}));
}

/** The embedded database's file under DATA_DIR (backups copy it: src/cli/backup.ts). */
export function sqliteFileOf(dataDir: string): string {
  return join(dataDir, 'issuance-lab.sqlite');
}

/**
 * The database holds hashes of live secrets, issued-credential digests and session logs: only
 * the owner reads it, like the key files. SQLite creates the -wal and -shm files with the
 * database file's mode, so creating that one 0600 covers all three; files of an older
 * deployment are narrowed too.
 */
function restrictToOwner(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path) && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  }
}

async function openSqlite(dataDir: string, onBackgroundError: (err: Error, where: string) => void): Promise<Store> {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = sqliteFileOf(dataDir);
    restrictToOwner(file);
  }
  const sqlite = new Sqlite(file);
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last commits), which is what a kill -9 test checks.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Random keys (hashes, tokens) spread inserts over every b-tree: a 64 MiB page cache keeps
  // the hot pages in memory instead of SQLite's 2 MiB default.
  sqlite.pragma('cache_size = -65536');
  const checkpointer = file !== ':memory:' && backgroundCheckpointsEnabled() ? startCheckpointer(file, (err) => onBackgroundError(err, 'sqlite checkpoint')) : null;
  if (checkpointer) sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  // Kysely's SQLite adapter takes no migration lock (it assumes one connection), but two
  // processes may share the file. BEGIN IMMEDIATE holds SQLite's write lock for the whole run
  // (the other process waits on busy_timeout) and makes the run all-or-nothing.
  await sql`begin immediate`.execute(db);
  try {
    await migrate(db);
    await sql`commit`.execute(db);
  } catch (err) {
    await sql`rollback`.execute(db).catch(() => undefined);
    await checkpointer?.close();
    await db.destroy();
    throw err;
  }
  return createKyselyStore(db, 'sqlite', async () => {
    await checkpointer?.close();
    await db.destroy();
  });
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable, and preparing is a
 * measurable share of a request (profiled under `npm run bench`). Cache them by SQL text.
 */
function withStatementCache(sqlite: Sqlite.Database, max = 500) {
  const cache = new Map<string, Sqlite.Statement>();
  return {
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        if (cache.size >= max) cache.clear();
        statement = sqlite.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close() {
      sqlite.close();
    },
  };
}

async function openPostgres(location: StoreLocation): Promise<Store> {
  const url = location.databaseUrl!;
  const report = location.onBackgroundError ?? (() => {});
  // Epoch-millisecond columns are bigint (int8); they fit a JS number, so parse them as one.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const max = location.poolMax ?? 10;
  const pool = new pg.Pool({ connectionString: url, max, application_name: 'issuance-lab' });
  // An idle connection dropped by the server (restart, failover) is an 'error' event; unhandled
  // it would end the process. The pool replaces it on the next checkout.
  pool.on('error', (err) => report(err, 'postgres pool'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    // The migration tables live in the schema the issuer's tables go to (search_path), not
    // wherever Kysely's introspection first finds a kysely_migration table in the database.
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    await migrate(db, rows[0]?.schema ?? undefined);
    const relay = await startPostgresChangeRelay({ connectionString: url, db, onError: (err) => report(err, 'postgres changes listener') });
    return createKyselyStore(db, 'postgres', () => db.destroy(), {
      relay,
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    });
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw err;
  }
}

async function migrate(db: Kysely<Database>, migrationTableSchema?: string): Promise<void> {
  // Several instances may start at once: on PostgreSQL the Migrator holds an advisory lock for
  // the run (test/store/migrations.test.ts starts several at once). Unordered: migrations of
  // work developed side by side may land in either order; each is independent of its peers.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true, migrationTableSchema });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

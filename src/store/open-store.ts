import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { createKyselyStore } from './kysely/kysely-store.js';
import type { Database } from './kysely/tables.js';
import { migrationProvider } from './migrations/index.js';
import type { Store } from './store.js';

export interface StoreLocation {
  /** postgres://… selects PostgreSQL. */
  databaseUrl?: string;
  /** SQLite file directory; `:memory:` for an in-memory database (tests). */
  dataDir: string;
}

/** Opens the database the configuration names and brings its schema up to date. */
export async function openStore(location: StoreLocation): Promise<Store> {
  if (location.databaseUrl?.startsWith('postgres')) return openPostgres(location.databaseUrl);
  return openSqlite(location.dataDir);
}

async function openSqlite(dataDir: string): Promise<Store> {
  let file = ':memory:';
  if (dataDir !== ':memory:') {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    file = join(dataDir, 'issuance-lab.sqlite');
  }
  const sqlite = new Sqlite(file);
  // WAL lets readers run beside the writer; NORMAL sync is durable across process crashes
  // (only an OS crash can lose the last commits), which is what a kill -9 test checks.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db);
  return createKyselyStore(db, 'sqlite', () => db.destroy());
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

async function openPostgres(url: string): Promise<Store> {
  // Epoch-millisecond columns are bigint (int8); they fit a JS number, so parse them as one.
  pg.types.setTypeParser(20, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await migrate(db);
  return createKyselyStore(db, 'postgres', () => db.destroy());
}

async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}

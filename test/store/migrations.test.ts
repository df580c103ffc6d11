import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { spawn } from 'node:child_process';
import { migrationProvider } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';

/**
 * Schema migrations on both dialects: from an empty database, from the first (previous) schema
 * version with data in it, and several instances migrating the same empty database at once.
 */
const T = Date.UTC(2027, 0, 1);

function openInChild(location: { dataDir: string; databaseUrl?: string }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/open-store-child.ts', location.dataDir, location.databaseUrl ?? ''], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

async function migrationNames(): Promise<string[]> {
  return Object.keys(await migrationProvider.getMigrations()).sort();
}

interface Target {
  name: string;
  /** A fresh, empty database for one case. */
  fresh(): Promise<{ location: { dataDir: string; databaseUrl?: string }; kysely(): Kysely<any>; cleanup(): Promise<void> }>;
}

const dirs: string[] = [];
const sqliteTarget: Target = {
  name: 'sqlite',
  async fresh() {
    const dir = mkdtempSync(join(tmpdir(), 'issuance-lab-migrations-'));
    dirs.push(dir);
    const dbs: Kysely<any>[] = [];
    return {
      location: { dataDir: dir },
      kysely() {
        const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Sqlite(join(dir, 'issuance-lab.sqlite')) }) });
        dbs.push(db);
        return db;
      },
      async cleanup() {
        for (const db of dbs) await db.destroy();
      },
    };
  },
};

let pgDatabase: TestDatabase | undefined;
let pgCounter = 0;
const postgresTarget: Target = {
  name: 'postgres',
  async fresh() {
    // One test database per file; each case works in its own schema of it, via search_path…
    // except on PGlite, where every connection shares one session: there, a fresh embedded
    // database per case.
    const db = pgDatabase!.backend === 'pglite' ? await createTestDatabase(`migrations-${++pgCounter}`) : pgDatabase!;
    let url = db.url;
    if (db.backend === 'server') {
      const schema = `m${++pgCounter}_${process.pid}`;
      const admin = new pg.Client({ connectionString: db.url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const u = new URL(db.url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      url = u.toString();
    }
    const dbs: Kysely<any>[] = [];
    return {
      location: { dataDir: ':memory:', databaseUrl: url },
      kysely() {
        const k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
        dbs.push(k);
        return k;
      },
      async cleanup() {
        for (const k of dbs) await k.destroy();
        if (db !== pgDatabase) await db.drop();
      },
    };
  },
};

before(async () => {
  pgDatabase = await createTestDatabase('migrations');
});
after(async () => {
  await pgDatabase?.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

for (const target of [sqliteTarget, postgresTarget]) {
  describe(`migrations on ${target.name}`, () => {
    it('brings an empty database to the latest schema, each migration recorded once', async () => {
      const f = await target.fresh();
      const store = await openStore(f.location);
      await store.close();
      const db = f.kysely();
      const applied = (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
      assert.deepEqual(applied, await migrationNames());
      const tables = (await db.introspection.getTables()).map((t) => t.name);
      for (const table of ['sessions', 'pre_authorized_codes', 'access_tokens', 'nonces', 'session_logs', 'session_events', 'shared_state']) {
        assert.ok(tables.includes(table), `table ${table}`);
      }
      // Opening again finds nothing to do.
      await (await openStore(f.location)).close();
      assert.equal((await db.selectFrom('kysely_migration').select('name').execute()).length, applied.length);
      await f.cleanup();
    });

    it('migrates a database of the first schema version with data in it, and the data survives', async () => {
      const f = await target.fresh();
      const names = await migrationNames();
      const db = f.kysely();
      // As open-store does: the migration tables in the current schema (search_path).
      const schema = target.name === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s : undefined;
      const early = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateTo(names[0]);
      assert.equal(early.error, undefined, String(early.error));
      // Rows as the first version wrote them (raw SQL: the shape of that schema, not today's code).
      await sql`insert into sessions (id, offer_id, state, grant_type, credential_configuration_ids, offer_json, options_json, created_at, updated_at, offer_expires_at, offer_fetches)
        values ('ses_old', 'off_old', 'token_exchanged', 'pre-authorized_code', '["eu.europa.ec.eudi.pid_vc_sd_jwt"]', '{"credential_issuer":"https://i"}',
                '{"claims":{},"deferred":false,"requireWalletAttestation":false,"requireKeyAttestation":false,"byReference":true}', ${T}, ${T}, ${T + 3600_000}, 2)`.execute(db);
      await sql`insert into pre_authorized_codes (code_hash, session_id, tx_code_hash, tx_code_attempts, burnt, expires_at, consumed_at)
        values ('code_old', 'ses_old', null, 0, 0, ${T + 600_000}, null)`.execute(db);
      await sql`insert into nonces (nonce, request_id, created_at, expires_at, consumed_at) values ('nonce_old', 'req_old', ${T}, ${T + 600_000}, null)`.execute(db);
      await sql`insert into session_logs (id, session_id, timestamp, level, endpoint, request_id, message, data_json)
        values ('0000000010000aaaaaa', 'ses_old', ${T}, 'info', 'token', 'req_old', 'POST token -> 200', '{"status":200}')`.execute(db);
      await sql`insert into session_events (id, session_id, type, timestamp, details_json) values ('0000000010001aaaaaa', 'ses_old', 'token_exchanged', ${T}, null)`.execute(db);

      const store = await openStore(f.location);
      try {
        const s = await store.sessions.get('ses_old');
        assert.equal(s?.state, 'token_exchanged');
        assert.equal(s?.offerFetches, 2);
        assert.equal(s?.createdAt, T);
        assert.deepEqual(s?.credentialConfigurationIds, ['eu.europa.ec.eudi.pid_vc_sd_jwt']);
        assert.equal((await store.logs.list('ses_old', { limit: 10, offset: 0 })).items[0]?.data?.status, 200);
        assert.equal((await store.events.list('ses_old', { limit: 10, offset: 0 })).items[0]?.type, 'token_exchanged');
        assert.ok(await store.grants.consumePreAuthorized('code_old', null, T), 'an old code still redeems once');
        assert.deepEqual(await store.nonces.consume('nonce_old', T), { requestId: 'req_old' });
        assert.equal(await store.sharedState.put('after-migration', 'v', null, T), true, 'the new schema works');
      } finally {
        await store.close();
      }
      const applied = (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
      assert.deepEqual(applied, names);
      await f.cleanup();
    });

    it('lets several processes start on one empty database at once: one migrates, all open', async () => {
      const f = await target.fresh();
      const children = await Promise.all(Array.from({ length: 3 }, () => openInChild(f.location)));
      for (const c of children) assert.equal(c.code, 0, c.output);
      const db = f.kysely();
      const applied = (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
      assert.deepEqual(applied, await migrationNames());
      await f.cleanup();
    });

    it('lets several instances of one process open an empty database at once', async (t) => {
      if (target.name === 'sqlite') {
        // better-sqlite3 is synchronous: a second connection of the same process waiting for
        // the migration lock would block the thread the first one needs. Processes: see above.
        t.skip('sqlite: one process holds one connection per file; covered by the multi-process case');
        return;
      }
      const f = await target.fresh();
      const stores = await Promise.all(Array.from({ length: 4 }, () => openStore(f.location)));
      const s = { id: 'ses_race' };
      await stores[1].sharedState.put(s.id, 'x', null, T);
      assert.deepEqual(await stores[3].sharedState.get(s.id), { value: 'x', version: 1 });
      for (const store of stores) await store.close();
      const db = f.kysely();
      const applied = (await db.selectFrom('kysely_migration').select('name').orderBy('name').execute()).map((r) => r.name);
      assert.deepEqual(applied, await migrationNames());
      await f.cleanup();
    });
  });
}

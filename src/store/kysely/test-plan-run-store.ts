import type { Kysely, Selectable } from 'kysely';
import type { TestPlanRunRecord, TestPlanRunStore } from '../test-plan-run-records.js';
import type { Database, TestPlanRunsTable } from './tables.js';

/** Kysely implementation of `TestPlanRunStore`, for both dialects. `write` serializes writes with the group commit. */
export function createTestPlanRunStore(db: Kysely<Database>, write: (run: (trx: Kysely<Database>) => Promise<unknown>) => Promise<void>): TestPlanRunStore {
  return {
    testPlanRuns: {
      async create(run) {
        await write((trx) =>
          trx
            .insertInto('test_plan_runs')
            .values({ id: run.id, plan_id: run.planId, plan_version: run.planVersion, wallet_token_hash: run.walletTokenHash, cases_json: JSON.stringify(run.cases), created_at: run.createdAt, expires_at: run.expiresAt })
            .execute(),
        );
      },
      async get(id) {
        const row = await db.selectFrom('test_plan_runs').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toRecord(row) : null;
      },
      async getByWalletToken(hash) {
        const row = await db.selectFrom('test_plan_runs').selectAll().where('wallet_token_hash', '=', hash).executeTakeFirst();
        return row ? toRecord(row) : null;
      },
      async listRecent(limit) {
        const rows = await db.selectFrom('test_plan_runs').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
        return rows.map(toRecord);
      },
      async createShare(link) {
        await write((trx) =>
          trx.insertInto('test_plan_run_shares').values({ token_hash: link.tokenHash, run_id: link.runId, created_at: link.createdAt, expires_at: link.expiresAt }).execute(),
        );
      },
      async getShare(hash) {
        const row = await db.selectFrom('test_plan_run_shares').selectAll().where('token_hash', '=', hash).executeTakeFirst();
        return row ? { tokenHash: row.token_hash, runId: row.run_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) } : null;
      },
    },
  };
}

function toRecord(row: Selectable<TestPlanRunsTable>): TestPlanRunRecord {
  return {
    id: row.id,
    planId: row.plan_id,
    planVersion: row.plan_version,
    walletTokenHash: row.wallet_token_hash,
    cases: JSON.parse(row.cases_json),
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

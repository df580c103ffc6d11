import type { Kysely } from 'kysely';

// Frozen. Wallet test plan runs: the session of each case (cases_json), the hash of the run's
// wallet link, and read-only report links.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('test_plan_runs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('plan_id', 'text', (c) => c.notNull())
    .addColumn('plan_version', 'text', (c) => c.notNull())
    .addColumn('wallet_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('cases_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('test_plan_runs_expires_at').on('test_plan_runs').column('expires_at').execute();
  await db.schema
    .createTable('test_plan_run_shares')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('test_plan_run_shares_expires_at').on('test_plan_run_shares').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('test_plan_run_shares').ifExists().execute();
  await db.schema.dropTable('test_plan_runs').ifExists().execute();
}

import type { Kysely } from 'kysely';

// Frozen. How many credentials each access token has obtained so far (deferred ones
// included), so one token cannot mint credentials without end (CREDENTIALS_PER_ACCESS_TOKEN).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_tokens').addColumn('credentials_issued', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_tokens').dropColumn('credentials_issued').execute();
}

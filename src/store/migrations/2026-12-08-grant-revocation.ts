import type { Kysely } from 'kysely';

// Frozen. Access tokens remember the grant they came from (the refresh token family of an
// authorization code; null for a pre-authorized code), and a revoked grant is a row of its
// own: a replayed code or a reused rotated refresh token revokes every token of the grant
// (RFC 6749 §4.1.2, RFC 9700 §4.14), on every instance of the database, including tokens
// whose rows are written after the revocation. The row goes with its session.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('access_tokens').addColumn('grant_id', 'text').execute();
  await db.schema
    .createTable('revoked_grants')
    .addColumn('grant_id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('revoked_grants_session').on('revoked_grants').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('revoked_grants').ifExists().execute();
  await db.schema.alterTable('access_tokens').dropColumn('grant_id').execute();
}

import type { Kysely } from 'kysely';

// Frozen. A dashboard sign-in ended by sign-out: its cookie is refused until it would have
// expired anyway, on every instance (the cookie itself stays stateless and signed).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dashboard_sign_outs')
    .addColumn('sign_in_hash', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dashboard_sign_outs_expires_at').on('dashboard_sign_outs').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dashboard_sign_outs').ifExists().execute();
}

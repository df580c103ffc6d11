import type { Kysely } from 'kysely';

// Frozen: deferred issuance transactions (OID4VCI 1.0 §9) and read-only share links of a
// session. Portable columns only (text ids, text JSON, bigint epoch milliseconds).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('deferred_transactions')
    .addColumn('transaction_id_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('credential_configuration_id', 'text', (c) => c.notNull())
    .addColumn('credential_identifier', 'text')
    .addColumn('holder_keys_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('delivered_at', 'bigint')
    .execute();
  await db.schema.createIndex('deferred_transactions_session').on('deferred_transactions').column('session_id').execute();

  await db.schema
    .createTable('share_links')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('share_links').ifExists().execute();
  await db.schema.dropTable('deferred_transactions').ifExists().execute();
}

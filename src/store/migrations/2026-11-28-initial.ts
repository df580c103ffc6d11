import type { Kysely } from 'kysely';

// Frozen: a later schema change is a new migration file, never an edit of this one.
// Portable columns only (text ids, text JSON, bigint epoch milliseconds) so one file serves
// SQLite and PostgreSQL.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('offer_id', 'text', (c) => c.notNull().unique())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('grant_type', 'text', (c) => c.notNull())
    .addColumn('credential_configuration_ids', 'text', (c) => c.notNull())
    .addColumn('offer_json', 'text', (c) => c.notNull())
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('offer_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('offer_fetches', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sessions_created_at').on('sessions').column('created_at').execute();
  await db.schema.createIndex('sessions_state').on('sessions').columns(['state', 'created_at']).execute();

  await db.schema
    .createTable('pre_authorized_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('tx_code_hash', 'text')
    .addColumn('tx_code_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('burnt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('pre_authorized_codes_session').on('pre_authorized_codes').column('session_id').execute();

  await db.schema
    .createTable('access_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('grant_type', 'text', (c) => c.notNull())
    .addColumn('authorization_details_json', 'text', (c) => c.notNull())
    .addColumn('details_returned', 'integer', (c) => c.notNull())
    .addColumn('anonymous', 'integer', (c) => c.notNull())
    .addColumn('client_id', 'text')
    .addColumn('dpop_jkt', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('access_tokens_session').on('access_tokens').column('session_id').execute();

  await db.schema
    .createTable('nonces')
    .addColumn('nonce', 'text', (c) => c.primaryKey())
    .addColumn('request_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .execute();
  await db.schema.createIndex('nonces_expires_at').on('nonces').column('expires_at').execute();

  await db.schema
    .createTable('issued_credentials')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('credential_configuration_id', 'text', (c) => c.notNull())
    .addColumn('credential_identifier', 'text')
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('holder_key_thumbprint', 'text', (c) => c.notNull())
    .addColumn('key_source', 'text', (c) => c.notNull())
    .addColumn('credential_digest', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('issued_credentials_session').on('issued_credentials').column('session_id').execute();

  await db.schema
    .createTable('session_logs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text')
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('level', 'text', (c) => c.notNull())
    .addColumn('endpoint', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('data_json', 'text')
    .execute();
  await db.schema.createIndex('session_logs_session').on('session_logs').columns(['session_id', 'id']).execute();
  await db.schema.createIndex('session_logs_request').on('session_logs').column('request_id').execute();

  await db.schema
    .createTable('session_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('timestamp', 'bigint', (c) => c.notNull())
    .addColumn('details_json', 'text')
    .execute();
  await db.schema.createIndex('session_events_session').on('session_events').columns(['session_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['session_events', 'session_logs', 'issued_credentials', 'nonces', 'access_tokens', 'pre_authorized_codes', 'sessions']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

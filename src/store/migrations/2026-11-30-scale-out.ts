import type { Kysely } from 'kysely';

// Frozen. Several instances on one database:
// - shared_state: what every instance must agree on and would otherwise keep in its own
//   DATA_DIR (generated issuer keys, the generated admin token), with a version for
//   compare-and-set;
// - indexes for the retention purge, which finds expired rows by their expiry column and
//   deletes a session's rows by session_id (session_logs are found by their time-sortable id,
//   so they need no timestamp index).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('shared_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema.createIndex('pre_authorized_codes_expires_at').on('pre_authorized_codes').column('expires_at').execute();
  await db.schema.createIndex('access_tokens_expires_at').on('access_tokens').column('expires_at').execute();
  await db.schema.createIndex('sessions_offer_expiry').on('sessions').columns(['state', 'offer_expires_at']).execute();
  await db.schema.createIndex('deferred_transactions_expires_at').on('deferred_transactions').column('expires_at').execute();
  await db.schema.createIndex('share_links_expires_at').on('share_links').column('expires_at').execute();
  await db.schema.createIndex('share_links_session').on('share_links').column('session_id').execute();
  await db.schema.createIndex('oauth_issuer_states_expires_at').on('oauth_issuer_states').column('expires_at').execute();
  await db.schema.createIndex('oauth_authorization_requests_expires_at').on('oauth_authorization_requests').column('expires_at').execute();
  await db.schema.createIndex('oauth_authorization_codes_expires_at').on('oauth_authorization_codes').column('expires_at').execute();
  await db.schema.createIndex('oauth_refresh_tokens_expires_at').on('oauth_refresh_tokens').column('expires_at').execute();
  await db.schema.createIndex('oauth_refresh_tokens_session').on('oauth_refresh_tokens').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'oauth_refresh_tokens_session',
    'oauth_refresh_tokens_expires_at',
    'oauth_authorization_codes_expires_at',
    'oauth_authorization_requests_expires_at',
    'oauth_issuer_states_expires_at',
    'share_links_session',
    'share_links_expires_at',
    'deferred_transactions_expires_at',
    'sessions_offer_expiry',
    'access_tokens_expires_at',
    'pre_authorized_codes_expires_at',
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.dropTable('shared_state').ifExists().execute();
}

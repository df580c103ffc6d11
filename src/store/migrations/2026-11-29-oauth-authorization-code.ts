import type { Kysely } from 'kysely';

// Frozen: authorization code flow with PAR and PKCE, refresh tokens, DPoP jti replay cache and
// server secrets. Portable columns only (text ids, text JSON, bigint epoch
// milliseconds). Secrets are stored as hashes only.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('oauth_issuer_states')
    .addColumn('issuer_state_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_issuer_states_session').on('oauth_issuer_states').column('session_id').execute();

  await db.schema
    .createTable('oauth_authorization_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('request_uri_hash', 'text', (c) => c.unique())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('state', 'text')
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('dpop_jkt', 'text')
    .addColumn('credential_configuration_ids', 'text', (c) => c.notNull())
    .addColumn('details_requested', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('request_uri_expires_at', 'bigint')
    .addColumn('request_uri_used_at', 'bigint')
    .addColumn('csrf_hash', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('decided_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_authorization_requests_session').on('oauth_authorization_requests').column('session_id').execute();

  await db.schema
    .createTable('oauth_authorization_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('authorization_request_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('dpop_jkt', 'text')
    .addColumn('credential_configuration_ids', 'text', (c) => c.notNull())
    .addColumn('details_requested', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('oauth_authorization_codes_session').on('oauth_authorization_codes').column('session_id').execute();

  await db.schema
    .createTable('oauth_refresh_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('family_id', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('dpop_jkt', 'text')
    .addColumn('credential_configuration_ids', 'text', (c) => c.notNull())
    .addColumn('details_requested', 'integer', (c) => c.notNull())
    .addColumn('scope', 'text')
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('rotated_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('oauth_refresh_tokens_family').on('oauth_refresh_tokens').column('family_id').execute();

  await db.schema
    .createTable('dpop_jtis')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('dpop_jtis_expires_at').on('dpop_jtis').column('expires_at').execute();

  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['server_secrets', 'dpop_jtis', 'oauth_refresh_tokens', 'oauth_authorization_codes', 'oauth_authorization_requests', 'oauth_issuer_states']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}

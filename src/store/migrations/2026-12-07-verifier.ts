import type { Kysely } from 'kysely';

// Frozen. The OpenID4VP verifier: sessions get a kind (issuance sessions keep their rows as
// they are), and each verification session has one presentation request with its single-use
// values (request_uri token, state, response code: hashes only), its ephemeral response
// encryption key, and the judged result.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('kind', 'text', (c) => c.notNull().defaultTo('issuance')).execute();
  await db.schema
    .createTable('presentation_requests')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('request_token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('state_hash', 'text', (c) => c.notNull().unique())
    .addColumn('encryption_kid', 'text', (c) => c.unique())
    .addColumn('response_code_hash', 'text', (c) => c.unique())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('options_json', 'text', (c) => c.notNull())
    .addColumn('dcql_query_json', 'text', (c) => c.notNull())
    .addColumn('encryption_key_json', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('fetches', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('responses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answered_at', 'bigint')
    .addColumn('result_json', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('presentation_requests').ifExists().execute();
  await db.schema.alterTable('sessions').dropColumn('kind').execute();
}

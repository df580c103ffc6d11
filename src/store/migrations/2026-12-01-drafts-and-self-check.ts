import type { Kysely } from 'kysely';

// Frozen. Draft compatibility and the self-check of issued credentials:
// - deferred_transactions.wire_draft: the OID4VCI draft whose shape the credential request
//   had (null: 1.0), so the deferred endpoint answers in that shape (issuance_pending of
//   drafts 13–15, top-level credential of drafts ≤ 14);
// - issued_credentials.self_check_json: the outcome of re-reading the credential after it was
//   issued (binding key, salts, digests, validity), written shortly after the credential row.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('deferred_transactions').addColumn('wire_draft', 'text').execute();
  await db.schema.alterTable('issued_credentials').addColumn('self_check_json', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('issued_credentials').dropColumn('self_check_json').execute();
  await db.schema.alterTable('deferred_transactions').dropColumn('wire_draft').execute();
}

import type { Kysely } from 'kysely';

// Frozen. Notification ids handed out in credential responses (OID4VCI 1.0 §8.3, §11), with
// the last event the wallet reported for them.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('notification_id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('credential_configuration_id', 'text', (c) => c.notNull())
    .addColumn('credential_ids', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('event', 'text')
    .addColumn('event_at', 'bigint')
    .addColumn('event_count', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('notifications_session').on('notifications').column('session_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').ifExists().execute();
}

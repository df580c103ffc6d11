import { sql, type Kysely, type Selectable } from 'kysely';
import type { NotificationEvent, NotificationRecord, NotificationStore } from '../notification-records.js';
import type { Database, NotificationsTable } from './tables.js';

/** Kysely implementation of `NotificationStore`, for both dialects. */
/** `create` goes through the group commit (kysely-store.ts writes the row with the rest of a batch). */
export function createNotificationStore(db: Kysely<Database>, create: NotificationStore['notifications']['create']): NotificationStore {
  return {
    notifications: {
      create,
      async get(id) {
        const row = await db.selectFrom('notifications').selectAll().where('notification_id', '=', id).executeTakeFirst();
        return row ? toRecord(row) : null;
      },
      async recordEvent(id, event, at) {
        // One statement: concurrent notifications each count, the last one's event stays.
        const row = await db
          .updateTable('notifications')
          .set({ event, event_at: at, event_count: sql<number>`event_count + 1` })
          .where('notification_id', '=', id)
          .returningAll()
          .executeTakeFirst();
        return row ? toRecord(row) : null;
      },
      async listBySession(sessionId) {
        const rows = await db.selectFrom('notifications').selectAll().where('session_id', '=', sessionId).orderBy('created_at').execute();
        return rows.map(toRecord);
      },
    },
  };
}

function toRecord(r: Selectable<NotificationsTable>): NotificationRecord {
  return {
    notificationId: r.notification_id,
    sessionId: r.session_id,
    credentialConfigurationId: r.credential_configuration_id,
    credentialIds: JSON.parse(r.credential_ids),
    createdAt: Number(r.created_at),
    event: r.event as NotificationEvent | null,
    eventAt: r.event_at === null ? null : Number(r.event_at),
    eventCount: Number(r.event_count),
  };
}

import type { Selectable } from 'kysely';
import type { EventEntry, LogEntry, LogLevel } from '../store.js';
import type { Database } from './tables.js';

/** Session log and event rows as domain objects: one mapping for queries and the change feed. */

export function rowToLog(r: Selectable<Database['session_logs']>): LogEntry {
  return {
    id: r.id,
    sessionId: r.session_id,
    timestamp: Number(r.timestamp),
    level: r.level as LogLevel,
    endpoint: r.endpoint,
    requestId: r.request_id,
    message: r.message,
    data: r.data_json ? JSON.parse(r.data_json) : null,
  };
}

export function rowToEvent(r: Selectable<Database['session_events']>): EventEntry {
  return {
    id: r.id,
    sessionId: r.session_id,
    type: r.type,
    timestamp: Number(r.timestamp),
    details: r.details_json ? JSON.parse(r.details_json) : null,
  };
}

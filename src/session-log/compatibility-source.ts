import type { Store } from '../store/store.js';
import { buildCompatibilityMatrix, type MatrixRow, type SessionTrace } from './compatibility.js';

/**
 * Reads the newest `limit` sessions and their request entries and diagnostics for the
 * compatibility matrix. One log query per session (indexed by session_id), 20 at a time.
 */
export async function loadCompatibilityMatrix(store: Pick<Store, 'sessions' | 'logs'>, limit: number): Promise<{ sessions_considered: number; rows: MatrixRow[] }> {
  const sessions = await store.sessions.list({ limit, offset: 0 });
  const traces: SessionTrace[] = [];
  for (let i = 0; i < sessions.items.length; i += 20) {
    const batch = sessions.items.slice(i, i + 20);
    const logs = await Promise.all(batch.map((s) => store.logs.list(s.id, { level: ['debug', 'warning', 'error'], limit: 2000, offset: 0, order: 'asc' })));
    batch.forEach((s, j) => traces.push({ sessionId: s.id, createdAt: s.createdAt, logs: logs[j].items }));
  }
  return { sessions_considered: sessions.items.length, rows: buildCompatibilityMatrix(traces) };
}

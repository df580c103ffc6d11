import { sql, type Kysely } from 'kysely';
import type { PoolStats, PurgeCounts, RetentionPolicy, SessionEndReason, SharedValue, Store } from '../store.js';
import type { SessionState } from '../../core/session-state.js';
import type { Database } from './tables.js';

/**
 * Retention purge, readiness ping and shared state, for both dialects.
 *
 * The purge deletes in batches of `policy.batchSize` rows, each batch one short statement (or
 * one short transaction for a whole session), and yields to the event loop between batches:
 * requests keep flowing and no lock is held for long. Running it on several instances at once
 * is harmless (deletes are idempotent), only wasted work.
 */

/** Tables whose rows are dead once expired: name, primary key, indexed expiry column (default expires_at). */
const EXPIRING: { table: string; key: string; column?: string }[] = [
  { table: 'nonces', key: 'nonce' },
  { table: 'pre_authorized_codes', key: 'code_hash' },
  { table: 'access_tokens', key: 'token_hash' },
  { table: 'deferred_transactions', key: 'transaction_id_hash' },
  { table: 'share_links', key: 'token_hash' },
  { table: 'test_plan_runs', key: 'id' },
  { table: 'test_plan_run_shares', key: 'token_hash' },
  { table: 'dashboard_sign_outs', key: 'sign_in_hash' },
  { table: 'oauth_issuer_states', key: 'issuer_state_hash' },
  { table: 'oauth_authorization_requests', key: 'id' },
  { table: 'oauth_authorization_codes', key: 'code_hash' },
  { table: 'oauth_refresh_tokens', key: 'token_hash' },
  { table: 'dpop_jtis', key: 'id' },
  // A fixed one-minute window: dead long before the grace period ends.
  { table: 'rate_limits', key: 'key', column: 'window_start' },
];

/**
 * Rows that belong to a session (indexed session_id) and go with it. Not status_entries: a
 * revoked credential outlives its session, and dropping its entry would make it valid again.
 */
const SESSION_CHILDREN = [
  'session_logs',
  'session_events',
  'issued_credentials',
  'pre_authorized_codes',
  'access_tokens',
  'revoked_grants',
  'deferred_transactions',
  'share_links',
  'oauth_issuer_states',
  'oauth_authorization_requests',
  'oauth_authorization_codes',
  'oauth_refresh_tokens',
  'notifications',
  'presentation_requests',
];

/** States of a session whose offer was never redeemed. */
const UNREDEEMED = ['offer_created', 'offer_retrieved'];

export function createMaintenance(db: Kysely<Database>, poolStats: () => PoolStats | null): Store['maintenance'] {
  const any = db as unknown as Kysely<any>;

  /** Repeats one bounded DELETE until a batch comes back short. */
  async function deleteInBatches(run: () => Promise<number>, batchSize: number, signal?: AbortSignal): Promise<number> {
    let total = 0;
    for (;;) {
      if (signal?.aborted) return total;
      const n = await run();
      total += n;
      if (n < batchSize) return total;
      await new Promise((r) => setImmediate(r));
    }
  }

  async function purgeSessions(cutoffCreated: number, cutoffOfferExpiry: number, batchSize: number, counts: PurgeCounts, signal?: AbortSignal) {
    for (;;) {
      if (signal?.aborted) return;
      const rows = await any
        .selectFrom('sessions')
        .select('id')
        .where((eb) =>
          eb.or([
            eb('created_at', '<', cutoffCreated),
            eb.and([eb('state', 'in', UNREDEEMED), eb('offer_expires_at', '<', cutoffOfferExpiry)]),
          ]),
        )
        .limit(batchSize)
        .execute();
      const ids = rows.map((r) => r.id as string);
      if (ids.length === 0) return;
      // One short transaction per batch, so a session never loses half its rows.
      await any.transaction().execute(async (trx) => {
        for (const table of SESSION_CHILDREN) {
          const r = await trx.deleteFrom(table).where('session_id', 'in', ids).executeTakeFirst();
          counts[table] = (counts[table] ?? 0) + Number(r.numDeletedRows);
        }
        const r = await trx.deleteFrom('sessions').where('id', 'in', ids).executeTakeFirst();
        counts.sessions = (counts.sessions ?? 0) + Number(r.numDeletedRows);
      });
      if (ids.length < batchSize) return;
      await new Promise((r) => setImmediate(r));
    }
  }

  return {
    async purge(policy: RetentionPolicy, now: number, signal?: AbortSignal): Promise<PurgeCounts> {
      const counts: PurgeCounts = {};
      const n = policy.batchSize;
      const expiredBefore = now - policy.expiredGraceMs;
      await purgeSessions(now - policy.sessionsMaxAgeMs, expiredBefore, n, counts, signal);
      for (const { table, key, column = 'expires_at' } of EXPIRING) {
        const deleted = await deleteInBatches(
          async () => {
            const r = await any
              .deleteFrom(table)
              .where(key, 'in', any.selectFrom(table).select(key).where(column, '<', expiredBefore).limit(n))
              .executeTakeFirst();
            return Number(r.numDeletedRows);
          },
          n,
          signal,
        );
        counts[table] = (counts[table] ?? 0) + deleted;
      }
      // Log ids start with the creation time (newSortableId: 9 base-36 digits of epoch ms), so
      // "older than" is an id range on the primary key; no timestamp index needed.
      const cutoffId = Math.max(0, now - policy.logsMaxAgeMs).toString(36).padStart(9, '0');
      counts.session_logs =
        (counts.session_logs ?? 0) +
        (await deleteInBatches(
          async () => {
            const r = await any
              .deleteFrom('session_logs')
              .where('id', 'in', any.selectFrom('session_logs').select('id').where('id', '<', cutoffId).limit(n))
              .executeTakeFirst();
            return Number(r.numDeletedRows);
          },
          n,
          signal,
        ));
      return counts;
    },

    async ping() {
      await sql`select 1`.execute(db);
    },

    poolStats,

    async expireEnded(now, from, to, limit) {
      const allowed = new Set(from);
      const found: { id: string; state: SessionState; reason: SessionEndReason; endedAt: number }[] = [];
      const wanted = (states: readonly SessionState[]) => states.filter((s) => allowed.has(s));
      const take = async (reason: SessionEndReason, states: readonly SessionState[], query: (states: SessionState[], n: number) => Promise<{ id: string; state: string; ended_at: unknown }[]>) => {
        const st = wanted(states);
        if (st.length === 0 || found.length >= limit) return;
        for (const r of await query(st, limit - found.length)) found.push({ id: r.id, state: r.state as SessionState, reason, endedAt: Number(r.ended_at) });
      };
      // An offer (or a presentation request: its session's offer_expires_at) no wallet redeemed in time.
      const offerExpired = (st: SessionState[], n: number) =>
        db.selectFrom('sessions').select(['id', 'state', 'offer_expires_at as ended_at']).where('state', 'in', st).where('offer_expires_at', '<', now).limit(n).execute();
      // Sessions in `st` all of whose rows in `table` expired; `refine` narrows further. Sessions
      // without such rows (purged long ago) are left alone.
      const allExpired =
        (table: string, refine: (q: any) => any = (q) => q) =>
        (st: SessionState[], n: number): Promise<{ id: string; state: string; ended_at: unknown }[]> =>
          refine(
            any
              .selectFrom('sessions as s')
              .innerJoin(`${table} as x`, 'x.session_id', 's.id')
              .select(['s.id', 's.state', (eb) => eb.fn.max('x.expires_at').as('ended_at')])
              .where('s.state', 'in', st),
          )
            .groupBy(['s.id', 's.state'])
            .having((eb: any) => eb.fn.max('x.expires_at'), '<', now)
            .limit(n)
            .execute();
      const noLiveRefreshToken = (q: any) =>
        q.where((eb: any) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('oauth_refresh_tokens as rt')
                .select('rt.token_hash')
                .whereRef('rt.session_id', '=', 's.id')
                .where('rt.revoked_at', 'is', null)
                .where('rt.rotated_at', 'is', null)
                .where('rt.expires_at', '>=', now),
            ),
          ),
        );
      await take('offer_expired', ['offer_created', 'offer_retrieved'], offerExpired);
      await take('request_expired', ['created', 'request_retrieved'], offerExpired);
      // The wallet went to the authorization page (or got a code) and never came back in time.
      await take('authorization_expired', ['authorization_requested'], allExpired('oauth_authorization_requests'));
      await take('authorization_code_expired', ['authorization_granted'], allExpired('oauth_authorization_codes'));
      // Tokens obtained, no credential requested before the last access token expired, and no
      // refresh token left to get another.
      await take('access_token_expired', ['token_exchanged'], allExpired('access_tokens', noLiveRefreshToken));
      // Deferred, and the transaction expired before its credential was picked up.
      await take('transaction_expired', ['deferred'], allExpired('deferred_transactions'));
      const expired: typeof found = [];
      for (const c of found) {
        // Compare-and-set on the state read: a wallet moving the session on right now, or another
        // instance expiring it, wins or loses cleanly.
        const r = await db
          .updateTable('sessions')
          .set({ state: to, updated_at: now })
          .where('id', '=', c.id)
          .where('state', '=', c.state)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) === 1) expired.push(c);
      }
      return expired;
    },

    async countSessionsByState() {
      const rows = await db.selectFrom('sessions').select(['state', (eb) => eb.fn.countAll<number | string | bigint>().as('n')]).groupBy('state').execute();
      return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
    },
  };
}

export function createSharedState(db: Kysely<Database>): Store['sharedState'] {
  return {
    async get(name): Promise<SharedValue | null> {
      const row = await db.selectFrom('shared_state').select(['value', 'version']).where('name', '=', name).executeTakeFirst();
      return row ? { value: row.value, version: Number(row.version) } : null;
    },
    async put(name, value, expectedVersion, now) {
      if (expectedVersion === null) {
        const r = await db
          .insertInto('shared_state')
          .values({ name, value, version: 1, updated_at: now })
          .onConflict((oc) => oc.column('name').doNothing())
          .executeTakeFirst();
        return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
      }
      const r = await db
        .updateTable('shared_state')
        .set({ value, version: expectedVersion + 1, updated_at: now })
        .where('name', '=', name)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
  };
}

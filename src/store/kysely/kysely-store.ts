import { Kysely, sql, type Insertable, type Selectable, type Transaction } from 'kysely';
import type { SessionState } from '../../core/session-state.js';
import type { GrantRevocationReason } from '../oauth-records.js';
import type {
  DeferredTransactionRecord,
  EventEntry,
  GrantType,
  IssuedCredentialRecord,
  LogEntry,
  NewRecord,
  LogLevel,
  Page,
  PoolStats,
  PreAuthorizedGrantRecord,
  SessionRecord,
  StatusEntryRecord,
  StatusListRecord,
  Store,
  StoreChange,
  StoreWrites,
  StoredAccessToken,
} from '../store.js';
import { createMaintenance, createSharedState } from './maintenance.js';
import { codeToRow, createOAuthStore, refreshTokenToRow, requestToRow } from './oauth-store.js';
import { createNotificationStore } from './notification-store.js';
import { createTestPlanRunStore } from './test-plan-run-store.js';
import { createVerificationStore, presentationRequestToRow } from './verification-store.js';
import type { ChangeRelay } from './postgres-changes.js';
import { prepared, preparedInsert, preparedOn, type QueryRunner } from './prepared.js';
import { rowToEvent, rowToLog } from './row-mappers.js';
import type { Database, NotificationsTable, PresentationRequestsTable, SessionsTable } from './tables.js';

export interface KyselyStoreOptions {
  /** PostgreSQL: carries committed changes to the other instances (postgres-changes.ts). */
  relay?: ChangeRelay;
  poolStats?: () => PoolStats | null;
}

/** One implementation of the Store for both dialects: only the Kysely instance differs. */
export function createKyselyStore(db: Kysely<Database>, dialect: Store['dialect'], onClose: () => Promise<void>, options: KyselyStoreOptions = {}): Store {
  const listeners = new Set<(change: StoreChange) => void>();
  const notify = (change: StoreChange) => {
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // A broken subscriber (a closed SSE stream) must not affect the writer.
      }
    }
  };
  const inserts = createdRowInserts(db);
  const groupCommit = createGroupCommit(db, notify, options.relay, inserts);
  const created = (...records: NewRecord[]) => groupCommit.write({ created: records, logs: [], events: [], transitions: [], issued: [] });
  options.relay?.attach(notify);
  const q = preparedQueries(db);
  return {
    dialect,
    // Authorization code flow, refresh tokens, DPoP replay, secrets (oauth-store.ts).
    ...createOAuthStore(db, (record) => created(record)),
    // Notification ids (notification-store.ts).
    ...createNotificationStore(db, (notification) => created({ kind: 'notification', notification })),
    // Presentation requests of the verifier (verification-store.ts).
    ...createVerificationStore(db),
    // Wallet test plan runs (test-plan-run-store.ts).
    ...createTestPlanRunStore(db, async (run) => { await groupCommit.run(run); }),

    sessions: {
      async create(session) {
        await created({ kind: 'session', session });
      },
      async get(id) {
        const [row] = await q.sessionById(id);
        return row ? rowToSession(row) : null;
      },
      async getByOfferId(offerId) {
        const [row] = await q.sessionByOfferId(offerId);
        return row ? rowToSession(row) : null;
      },
      async list(f) {
        let q = db.selectFrom('sessions');
        if (f.state) q = q.where('state', '=', f.state);
        if (f.kind) q = q.where('kind', '=', f.kind);
        if (f.createdAfter !== undefined) q = q.where('created_at', '>=', f.createdAfter);
        if (f.createdBefore !== undefined) q = q.where('created_at', '<', f.createdBefore);
        if (f.withErrors) {
          q = q.where(({ exists, selectFrom }) =>
            exists(selectFrom('session_logs').select('session_logs.id').whereRef('session_logs.session_id', '=', 'sessions.id').where('session_logs.level', '=', 'error')),
          );
        }
        if (f.credentialConfigurationId) {
          // Ids are stored as a JSON array; match the quoted id so a prefix never matches. Not
          // LIKE: `_` in an id is a wildcard there, and SQLite's LIKE ignores case.
          const needle = JSON.stringify(f.credentialConfigurationId);
          q = q.where(
            dialect === 'sqlite' ? sql<boolean>`instr(credential_configuration_ids, ${needle}) > 0` : sql<boolean>`strpos(credential_configuration_ids, ${needle}) > 0`,
          );
        }
        const [rows, count] = await Promise.all([
          q.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(f.limit).offset(f.offset).execute(),
          q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        ]);
        return { items: rows.map(rowToSession), total: Number(count.n) };
      },
      async recordOfferFetch(id, at) {
        const row = await db
          .updateTable('sessions')
          .set((eb) => ({ offer_fetches: eb('offer_fetches', '+', 1), updated_at: at }))
          .where('id', '=', id)
          .returning('offer_fetches')
          .executeTakeFirst();
        return row ? Number(row.offer_fetches) : null;
      },
      async supplyClaims(id, configurationId, claims, at) {
        // Compare-and-set on the options document, so two operators supplying claims for
        // different configurations at once both land.
        for (let attempt = 0; attempt < 5; attempt++) {
          const [row] = await q.sessionById(id);
          if (!row) return null;
          const session = rowToSession(row);
          session.options = { ...session.options, claims: { ...session.options.claims, [configurationId]: claims } };
          session.updatedAt = at;
          const updated = await db
            .updateTable('sessions')
            .set({ options_json: JSON.stringify(session.options), updated_at: at })
            .where('id', '=', id)
            .where('options_json', '=', row.options_json)
            .executeTakeFirst();
          if (Number(updated.numUpdatedRows) === 1) return session;
        }
        throw new Error(`supplyClaims: session ${id} kept changing; giving up`);
      },
    },

    grants: {
      async createPreAuthorized(grant) {
        await created({ kind: 'pre_authorized_grant', grant });
      },
      async peekPreAuthorized(codeHash) {
        const [row] = await q.grantByCode(codeHash);
        return row ? rowToGrant(row) : null;
      },
      async consumePreAuthorized(codeHash, txCodeHash, now) {
        const [row] = await groupCommit.run((trx) => (txCodeHash === null ? q.consumeGrant(trx, now, codeHash) : q.consumeGrantWithTxCode(trx, now, codeHash, txCodeHash)));
        return row ? rowToGrant(row) : null;
      },
      async recordTxCodeFailure(codeHash, maxAttempts) {
        const row = await db
          .updateTable('pre_authorized_codes')
          .set((eb) => ({
            tx_code_attempts: eb('tx_code_attempts', '+', 1),
            burnt: sql<number>`case when tx_code_attempts + 1 >= ${maxAttempts} then 1 else 0 end`,
          }))
          .where('code_hash', '=', codeHash)
          .where('consumed_at', 'is', null)
          .where('burnt', '=', 0)
          .returning(['tx_code_attempts', 'burnt'])
          .executeTakeFirst();
        return row ? { attempts: Number(row.tx_code_attempts), burnt: Number(row.burnt) === 1 } : null;
      },
    },

    tokens: {
      async create(token) {
        await created({ kind: 'access_token', token });
      },
      async countCredentials(tokenHash, count, max) {
        // In the group commit, like nonce consumption: the count is durable before any credential is sent.
        const [row] = await groupCommit.run((trx) => q.countCredentials(trx, count, tokenHash, max));
        return row ? Number(row.credentials_issued) : null;
      },
      async get(tokenHash) {
        const [row] = await q.tokenByHash(tokenHash);
        if (!row) return null;
        return {
          tokenHash: row.token_hash,
          sessionId: row.session_id,
          grantType: row.grant_type as GrantType,
          authorizationDetails: JSON.parse(row.authorization_details_json),
          detailsReturned: Number(row.details_returned) === 1,
          anonymous: Number(row.anonymous) === 1,
          clientId: row.client_id,
          dpopJkt: row.dpop_jkt,
          expiresAt: Number(row.expires_at),
          createdAt: Number(row.created_at),
          grantId: row.grant_id,
          revoked: row.revoked_at === null ? null : { reason: row.revoked_reason as GrantRevocationReason, at: Number(row.revoked_at) },
        } satisfies StoredAccessToken;
      },
    },

    nonces: {
      async create(nonce, expiresAt, createdAt, requestId) {
        await created({ kind: 'nonce', nonce, expiresAt, createdAt, requestId });
      },
      async consume(nonce, now) {
        const [row] = await groupCommit.run((trx) => q.consumeNonce(trx, now, nonce));
        return row ? { requestId: row.request_id } : null;
      },
      async peek(nonce) {
        const row = await db.selectFrom('nonces').select(['expires_at', 'consumed_at']).where('nonce', '=', nonce).executeTakeFirst();
        return row ? { expiresAt: Number(row.expires_at), consumedAt: row.consumed_at === null ? null : Number(row.consumed_at) } : null;
      },
    },

    credentials: {
      async listBySession(sessionId) {
        const rows = await db.selectFrom('issued_credentials').selectAll().where('session_id', '=', sessionId).orderBy('issued_at').execute();
        return rows.map(
          (r): IssuedCredentialRecord => ({
            id: r.id,
            sessionId: r.session_id,
            credentialConfigurationId: r.credential_configuration_id,
            credentialIdentifier: r.credential_identifier,
            format: r.format,
            holderKeyThumbprint: r.holder_key_thumbprint,
            keySource: r.key_source,
            credentialDigest: r.credential_digest,
            issuedAt: Number(r.issued_at),
            expiresAt: Number(r.expires_at),
            ...(r.self_check_json ? { selfCheck: JSON.parse(r.self_check_json) } : {}),
          }),
        );
      },
    },

    rateLimits: {
      async hit(key, windowMs, now) {
        const windowStart = now - (now % windowMs);
        const [row] = await q.rateLimitHit(key, windowStart);
        return Number(row.count);
      },
    },

    statusLists: {
      async get(id) {
        const row = await db.selectFrom('status_lists').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? rowToStatusList(row) : null;
      },
      async create(list) {
        await db
          .insertInto('status_lists')
          .values({ id: list.id, bits: list.bits, size: list.size, allocated: 0, allocation: 'slots', created_at: list.createdAt, updated_at: list.createdAt })
          .execute();
      },
      async reserveSlots(maxFillRatio, count) {
        // Integer arithmetic: PostgreSQL types the parameter as integer (from `size`) and would
        // refuse 0.5; per-mille keeps it portable. The fill condition is repeated on the outer
        // UPDATE: PostgreSQL re-checks it on the row it locks, so racing instances never
        // overshoot, and the counter update itself is what makes the slots exclusive.
        const perMille = Math.round(maxFillRatio * 1000);
        const [row] = await q.reserveSlots(count, perMille);
        return row ? { list: rowToStatusList(row), firstSlot: Number(row.allocated) - count } : null;
      },
      async nonZeroEntries(listId) {
        const rows = await db.selectFrom('status_entries').select(['idx', 'status']).where('list_id', '=', listId).where('status', '!=', 0).execute();
        return rows.map((r): [number, number] => [Number(r.idx), Number(r.status)]);
      },
      async entriesBySession(sessionId) {
        const rows = await db.selectFrom('status_entries').selectAll().where('session_id', '=', sessionId).orderBy('updated_at').execute();
        return rows.map(rowToStatusEntry);
      },
      async setStatus(credentialId, status, now) {
        const row = await db
          .updateTable('status_entries')
          .set({ status, updated_at: now })
          .where('credential_id', '=', credentialId)
          .returningAll()
          .executeTakeFirst();
        if (!row) return null;
        await db.updateTable('status_lists').set({ updated_at: now }).where('id', '=', row.list_id).execute();
        return rowToStatusEntry(row);
      },
    },

    logs: {
      async list(sessionId, opts) {
        let q = db.selectFrom('session_logs');
        q = sessionId === null ? q.where('session_id', 'is', null) : q.where('session_id', '=', sessionId);
        if (opts.level?.length) q = q.where('level', 'in', opts.level);
        if (opts.afterId) q = q.where('id', '>', opts.afterId);
        const order = opts.order ?? 'asc';
        const [rows, count] = await Promise.all([
          q.selectAll().orderBy('id', order).limit(opts.limit).offset(opts.offset).execute(),
          q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        ]);
        return {
          total: Number(count.n),
          items: rows.map(rowToLog),
        } satisfies Page<LogEntry>;
      },
    },

    events: {
      async list(sessionId, opts) {
        let q = db.selectFrom('session_events').where('session_id', '=', sessionId);
        if (opts.afterId) q = q.where('id', '>', opts.afterId);
        const [rows, count] = await Promise.all([
          q.selectAll().orderBy('id', 'asc').limit(opts.limit).offset(opts.offset).execute(),
          q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
        ]);
        return {
          total: Number(count.n),
          items: rows.map(rowToEvent),
        };
      },
    },

    transactions: {
      async create(transaction) {
        await created({ kind: 'deferred_transaction', transaction });
      },
      async peek(hash) {
        const row = await db.selectFrom('deferred_transactions').selectAll().where('transaction_id_hash', '=', hash).executeTakeFirst();
        return row ? rowToTransaction(row) : null;
      },
      async consume(hash, now) {
        const row = await db
          .updateTable('deferred_transactions')
          .set({ delivered_at: now })
          .where('transaction_id_hash', '=', hash)
          .where('delivered_at', 'is', null)
          .where('expires_at', '>', now)
          .returningAll()
          .executeTakeFirst();
        return row ? rowToTransaction(row) : null;
      },
      async listBySession(sessionId) {
        const rows = await db.selectFrom('deferred_transactions').selectAll().where('session_id', '=', sessionId).orderBy('created_at').execute();
        return rows.map(rowToTransaction);
      },
    },

    dashboardSignOuts: {
      async record(signInHash, expiresAt) {
        await db.insertInto('dashboard_sign_outs').values({ sign_in_hash: signInHash, expires_at: expiresAt }).onConflict((oc) => oc.column('sign_in_hash').doNothing()).execute();
      },
      async has(signInHash) {
        return (await db.selectFrom('dashboard_sign_outs').select('sign_in_hash').where('sign_in_hash', '=', signInHash).executeTakeFirst()) !== undefined;
      },
    },

    shares: {
      async create(link) {
        await groupCommit.run((trx) =>
          trx
            .insertInto('share_links')
            .values({ token_hash: link.tokenHash, session_id: link.sessionId, created_at: link.createdAt, expires_at: link.expiresAt })
            .execute(),
        );
      },
      async get(hash) {
        const row = await db.selectFrom('share_links').selectAll().where('token_hash', '=', hash).executeTakeFirst();
        return row
          ? { tokenHash: row.token_hash, sessionId: row.session_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) }
          : null;
      },
    },

    write: groupCommit.write,

    maintenance: createMaintenance(db, options.poolStats ?? (() => null)),
    sharedState: createSharedState(db),

    changes: {
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },

    async close() {
      await groupCommit.drain();
      await options.relay?.close();
      await onClose();
    },
  };
}

/** The queries of the protocol's hot path, compiled once (see prepared.ts). */
function preparedQueries(db: Kysely<Database>) {
  return {
    sessionById: prepared<Selectable<SessionsTable>, [string]>(db, (a) => db.selectFrom('sessions').selectAll().where('id', '=', a(0))),
    sessionByOfferId: prepared<Selectable<SessionsTable>, [string]>(db, (a) =>
      db.selectFrom('sessions').selectAll().where('offer_id', '=', a(0)),
    ),
    grantByCode: prepared<Selectable<Database['pre_authorized_codes']>, [string]>(db, (a) =>
      db.selectFrom('pre_authorized_codes').selectAll().where('code_hash', '=', a(0)),
    ),
    // Consumption runs inside the group commit's transaction (preparedOn: on the given runner).
    consumeGrant: preparedOn<Selectable<Database['pre_authorized_codes']>, [number, string]>(db, (a) =>
      db
        .updateTable('pre_authorized_codes')
        .set({ consumed_at: a(0) })
        .where('code_hash', '=', a(1))
        .where('consumed_at', 'is', null)
        .where('burnt', '=', 0)
        .where('expires_at', '>', a(0))
        .where('tx_code_hash', 'is', null)
        .returningAll(),
    ),
    consumeGrantWithTxCode: preparedOn<Selectable<Database['pre_authorized_codes']>, [number, string, string]>(db, (a) =>
      db
        .updateTable('pre_authorized_codes')
        .set({ consumed_at: a(0) })
        .where('code_hash', '=', a(1))
        .where('consumed_at', 'is', null)
        .where('burnt', '=', 0)
        .where('expires_at', '>', a(0))
        .where('tx_code_hash', '=', a(2))
        .returningAll(),
    ),
    // One atomic upsert: a new window restarts the count, the same window increments it.
    rateLimitHit: prepared<{ count: number }, [string, number]>(db, (a) =>
      db
        .insertInto('rate_limits')
        .values({ key: a(0), window_start: a(1), count: 1 })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end`,
            window_start: sql<number>`excluded.window_start`,
          }),
        )
        .returning('count'),
    ),
    reserveSlots: prepared<Selectable<Database['status_lists']>, [number, number]>(db, (a) =>
      db
        .updateTable('status_lists')
        .set((eb) => ({ allocated: eb('allocated', '+', a(0)) }))
        .where(
          'id',
          '=',
          db
            .selectFrom('status_lists')
            .select('id')
            .where('allocation', '=', 'slots')
            .where(sql<boolean>`(allocated + ${a(0)}) * 1000 <= size * ${a(1)}`)
            .orderBy('created_at', 'desc')
            .limit(1),
        )
        .where(sql<boolean>`(allocated + ${a(0)}) * 1000 <= size * ${a(1)}`)
        .returningAll(),
    ),
    tokenByHash: prepared<Selectable<Database['access_tokens']> & { revoked_reason: string | null; revoked_at: number | null }, [string]>(db, (a) =>
      db
        .selectFrom('access_tokens')
        .leftJoin('revoked_grants', 'revoked_grants.grant_id', 'access_tokens.grant_id')
        .selectAll('access_tokens')
        .select(['revoked_grants.reason as revoked_reason', 'revoked_grants.revoked_at as revoked_at'])
        .where('access_tokens.token_hash', '=', a(0)),
    ),
    countCredentials: preparedOn<{ credentials_issued: number }, [number, string, number]>(db, (a) =>
      db
        .updateTable('access_tokens')
        .set((eb) => ({ credentials_issued: eb('credentials_issued', '+', a(0)) }))
        .where('token_hash', '=', a(1))
        .where((eb) => eb(eb('credentials_issued', '+', a(0)), '<=', a(2)))
        .returning('credentials_issued'),
    ),
    consumeNonce: preparedOn<{ request_id: string | null }, [number, string]>(db, (a) =>
      db
        .updateTable('nonces')
        .set({ consumed_at: a(0) })
        .where('nonce', '=', a(1))
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', a(0))
        .returning('request_id'),
    ),
  };
}

/** Compiled inserts for the rows requests create (StoreWrites.created), one per kind. */
function createdRowInserts(db: Kysely<Database>) {
  const insertSession = preparedInsert<'sessions', SessionsTable>(db, 'sessions', [
    'id', 'offer_id', 'state', 'grant_type', 'credential_configuration_ids', 'offer_json', 'options_json', 'created_at', 'updated_at', 'offer_expires_at', 'offer_fetches', 'kind',
  ]);
  const insertPresentationRequest = preparedInsert<'presentation_requests', PresentationRequestsTable>(db, 'presentation_requests', [
    'session_id', 'request_token_hash', 'state_hash', 'encryption_kid', 'response_code_hash', 'nonce', 'client_id', 'options_json', 'dcql_query_json',
    'encryption_key_json', 'created_at', 'expires_at', 'fetches', 'responses', 'answered_at', 'result_json',
  ]);
  const insertGrant = preparedInsert<'pre_authorized_codes', Database['pre_authorized_codes']>(db, 'pre_authorized_codes', [
    'code_hash', 'session_id', 'tx_code_hash', 'tx_code_attempts', 'burnt', 'expires_at', 'consumed_at',
  ]);
  const insertToken = preparedInsert<'access_tokens', Insertable<Database['access_tokens']>>(db, 'access_tokens', [
    'token_hash', 'session_id', 'grant_type', 'authorization_details_json', 'details_returned', 'anonymous', 'client_id', 'dpop_jkt', 'expires_at', 'created_at', 'grant_id',
  ]);
  const insertNonce = preparedInsert<'nonces', Database['nonces']>(db, 'nonces', ['nonce', 'request_id', 'expires_at', 'created_at', 'consumed_at']);
  const insertNotification = preparedInsert<'notifications', NotificationsTable>(db, 'notifications', [
    'notification_id', 'session_id', 'credential_configuration_id', 'credential_ids', 'created_at', 'event', 'event_at', 'event_count',
  ]);
  const insertStatusEntry = preparedInsert<'status_entries', Database['status_entries']>(db, 'status_entries', [
    'list_id', 'idx', 'session_id', 'credential_id', 'status', 'updated_at',
  ]);
  const insertIssuerState = preparedInsert<'oauth_issuer_states', Database['oauth_issuer_states']>(db, 'oauth_issuer_states', ['issuer_state_hash', 'session_id', 'expires_at']);
  const insertTransaction = preparedInsert<'deferred_transactions', Database['deferred_transactions']>(db, 'deferred_transactions', [
    'transaction_id_hash', 'session_id', 'credential_configuration_id', 'credential_identifier', 'holder_keys_json', 'created_at', 'expires_at', 'delivered_at', 'wire_draft',
  ]);
  const insertAuthorizationRequest = preparedInsert<'oauth_authorization_requests', Database['oauth_authorization_requests']>(db, 'oauth_authorization_requests', [
    'id', 'request_uri_hash', 'session_id', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'dpop_jkt', 'credential_configuration_ids', 'details_requested', 'scope',
    'request_uri_expires_at', 'request_uri_used_at', 'csrf_hash', 'expires_at', 'decided_at', 'created_at',
  ]);
  const insertCode = preparedInsert<'oauth_authorization_codes', Database['oauth_authorization_codes']>(db, 'oauth_authorization_codes', [
    'code_hash', 'session_id', 'authorization_request_id', 'client_id', 'redirect_uri', 'code_challenge', 'dpop_jkt', 'credential_configuration_ids', 'details_requested', 'scope',
    'family_id', 'expires_at', 'consumed_at', 'created_at',
  ]);
  const insertRefreshToken = preparedInsert<'oauth_refresh_tokens', Database['oauth_refresh_tokens']>(db, 'oauth_refresh_tokens', [
    'token_hash', 'family_id', 'session_id', 'client_id', 'dpop_jkt', 'credential_configuration_ids', 'details_requested', 'scope', 'expires_at', 'created_at', 'rotated_at', 'revoked_at',
  ]);
  return async (runner: QueryRunner, record: NewRecord): Promise<void> => {
    switch (record.kind) {
      case 'session':
        await insertSession(runner, sessionToRow(record.session));
        return;
      case 'presentation_request':
        await insertPresentationRequest(runner, presentationRequestToRow(record.request));
        return;
      case 'pre_authorized_grant': {
        const g = record.grant;
        await insertGrant(runner, {
          code_hash: g.codeHash,
          session_id: g.sessionId,
          tx_code_hash: g.txCodeHash,
          tx_code_attempts: g.txCodeAttempts,
          burnt: g.burnt ? 1 : 0,
          expires_at: g.expiresAt,
          consumed_at: g.consumedAt,
        });
        return;
      }
      case 'access_token': {
        const t = record.token;
        await insertToken(runner, {
          token_hash: t.tokenHash,
          session_id: t.sessionId,
          grant_type: t.grantType,
          authorization_details_json: JSON.stringify(t.authorizationDetails),
          details_returned: t.detailsReturned ? 1 : 0,
          anonymous: t.anonymous ? 1 : 0,
          client_id: t.clientId,
          dpop_jkt: t.dpopJkt,
          expires_at: t.expiresAt,
          created_at: t.createdAt,
          grant_id: t.grantId,
        });
        return;
      }
      case 'nonce':
        await insertNonce(runner, { nonce: record.nonce, request_id: record.requestId, expires_at: record.expiresAt, created_at: record.createdAt, consumed_at: null });
        return;
      case 'notification': {
        const n = record.notification;
        await insertNotification(runner, {
          notification_id: n.notificationId,
          session_id: n.sessionId,
          credential_configuration_id: n.credentialConfigurationId,
          credential_ids: JSON.stringify(n.credentialIds),
          created_at: n.createdAt,
          event: null,
          event_at: null,
          event_count: 0,
        });
        return;
      }
      case 'issuer_state': {
        const s = record.issuerState;
        await insertIssuerState(runner, { issuer_state_hash: s.issuerStateHash, session_id: s.sessionId, expires_at: s.expiresAt });
        return;
      }
      case 'deferred_transaction': {
        const t = record.transaction;
        await insertTransaction(runner, {
          transaction_id_hash: t.transactionIdHash,
          session_id: t.sessionId,
          credential_configuration_id: t.credentialConfigurationId,
          credential_identifier: t.credentialIdentifier,
          holder_keys_json: JSON.stringify(t.holderKeys),
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          delivered_at: t.deliveredAt,
          wire_draft: t.wireDraft ?? null,
        });
        return;
      }
      case 'authorization_request':
        await insertAuthorizationRequest(runner, requestToRow(record.request));
        return;
      case 'authorization_code':
        await insertCode(runner, codeToRow(record.code));
        return;
      case 'refresh_token':
        await insertRefreshToken(runner, refreshTokenToRow(record.token));
        return;
      case 'status_entry': {
        const e = record.entry;
        await insertStatusEntry(runner, { list_id: e.listId, idx: e.idx, session_id: e.sessionId, credential_id: e.credentialId, status: e.status, updated_at: e.updatedAt });
        return;
      }
    }
  };
}

type InsertCreated = ReturnType<typeof createdRowInserts>;

async function writeBatch(trx: Transaction<Database>, batch: StoreWrites, insertCreated: InsertCreated): Promise<void> {
  for (const record of batch.created ?? []) await insertCreated(trx, record);
  for (const logs of chunks(batch.logs, 400)) {
    await trx
      .insertInto('session_logs')
      .values(
        logs.map((l) => ({
          id: l.id,
          session_id: l.sessionId,
          timestamp: l.timestamp,
          level: l.level,
          endpoint: l.endpoint,
          request_id: l.requestId,
          message: l.message,
          data_json: l.data ? JSON.stringify(l.data) : null,
        })),
      )
      .execute();
  }
  for (const events of chunks(batch.events, 400)) {
    await trx
      .insertInto('session_events')
      .values(
        events.map((e) => ({
          id: e.id,
          session_id: e.sessionId,
          type: e.type,
          timestamp: e.timestamp,
          details_json: e.details ? JSON.stringify(e.details) : null,
        })),
      )
      .execute();
  }
  for (const issued of chunks(batch.issued, 200)) {
    await trx
      .insertInto('issued_credentials')
      .values(
        issued.map((c) => ({
          id: c.id,
          session_id: c.sessionId,
          credential_configuration_id: c.credentialConfigurationId,
          credential_identifier: c.credentialIdentifier,
          format: c.format,
          holder_key_thumbprint: c.holderKeyThumbprint,
          key_source: c.keySource,
          credential_digest: c.credentialDigest,
          issued_at: c.issuedAt,
          expires_at: c.expiresAt,
        })),
      )
      .execute();
  }
  // Self-check outcomes land after the credentials they describe (same or an earlier commit).
  for (const c of batch.selfChecks ?? []) {
    await trx.updateTable('issued_credentials').set({ self_check_json: JSON.stringify(c.result) }).where('id', '=', c.credentialId).execute();
  }
  for (const r of batch.rebind ?? []) {
    await trx
      .updateTable('session_logs')
      .set({ session_id: r.sessionId })
      .where('request_id', '=', r.requestId)
      .where('session_id', 'is', null)
      .execute();
  }
  for (const t of batch.transitions) {
    await trx
      .updateTable('sessions')
      .set({ state: t.to, updated_at: t.at })
      .where('id', '=', t.sessionId)
      .where('state', 'in', t.from)
      .execute();
  }
}

/**
 * Group commit: what all requests finishing in the same event-loop turn write (records they
 * create, then their logs, events and state changes) goes into one transaction, and each
 * request's promise resolves only after that commit. Replies still wait for durability; the
 * per-transaction cost is shared, which keeps logging every request affordable under load.
 * Single-use consumption (codes, nonces) runs here too, as an op whose result the caller gets
 * after the commit: on its own it was a commit per consumption. Ops must be safe to run again
 * after a rollback: a failed group is retried item by item.
 */
type Op = (trx: Transaction<Database>) => Promise<unknown>;

function createGroupCommit(db: Kysely<Database>, onCommitted: (change: StoreChange) => void, relay: ChangeRelay | undefined, insertCreated: InsertCreated) {
  let pending: { op?: Op; batch?: StoreWrites; result?: unknown; resolve: (result: unknown) => void; reject: (e: unknown) => void }[] = [];
  let running: Promise<void> | null = null;

  const commitGroup = async (group: typeof pending) => {
    const merged: StoreWrites = { created: [], logs: [], events: [], transitions: [], issued: [], rebind: [], selfChecks: [] };
    await db.transaction().execute(async (trx) => {
      for (const item of group) {
        if (item.op) item.result = await item.op(trx);
        if (item.batch) {
          merged.created!.push(...(item.batch.created ?? []));
          merged.logs.push(...item.batch.logs);
          merged.events.push(...item.batch.events);
          merged.transitions.push(...item.batch.transitions);
          merged.issued.push(...item.batch.issued);
          merged.rebind!.push(...(item.batch.rebind ?? []));
          merged.selfChecks!.push(...(item.batch.selfChecks ?? []));
        }
      }
      await writeBatch(trx, merged, insertCreated);
      // Inside the transaction: other instances hear of it only if, and when, it commits.
      if (relay && (merged.logs.length || merged.events.length)) {
        await relay.publish(trx, { logs: merged.logs, events: merged.events, transitions: merged.transitions, rebound: merged.rebind });
      }
    });
    if (merged.logs.length || merged.events.length) {
      onCommitted({ logs: merged.logs, events: merged.events, transitions: merged.transitions, rebound: merged.rebind });
    }
  };

  async function flush(): Promise<void> {
    while (pending.length) {
      const group = pending;
      pending = [];
      try {
        await commitGroup(group);
        for (const g of group) g.resolve(g.result);
      } catch {
        // One bad write must not fail its neighbours: retry each on its own.
        for (const g of group) await commitGroup([g]).then(() => g.resolve(g.result), g.reject);
      }
    }
    running = null;
  }

  function enqueue(item: { op?: Op; batch?: StoreWrites }): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      pending.push({ ...item, resolve, reject });
      running ??= new Promise<void>((r) => setImmediate(r)).then(flush);
    });
  }

  return {
    write: async (batch: StoreWrites): Promise<void> => {
      await enqueue({ batch });
    },
    /** Runs `op` in the next group's transaction; its result once that has committed. */
    run: <T>(op: (trx: Transaction<Database>) => Promise<T>): Promise<T> => enqueue({ op }) as Promise<T>,
    async drain(): Promise<void> {
      while (running) await running;
    },
  };
}

/** Keeps multi-row inserts under the bound-parameter limits of SQLite and PostgreSQL. */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function rowToStatusList(r: Selectable<Database['status_lists']>): StatusListRecord {
  return { id: r.id, bits: Number(r.bits), size: Number(r.size), allocated: Number(r.allocated), updatedAt: Number(r.updated_at) };
}

function rowToStatusEntry(r: Selectable<Database['status_entries']>): StatusEntryRecord {
  return {
    listId: r.list_id,
    idx: Number(r.idx),
    sessionId: r.session_id,
    credentialId: r.credential_id,
    status: Number(r.status),
    updatedAt: Number(r.updated_at),
  };
}

function sessionToRow(s: SessionRecord): SessionsTable {
  return {
    id: s.id,
    offer_id: s.offerId,
    state: s.state,
    grant_type: s.grantType,
    credential_configuration_ids: JSON.stringify(s.credentialConfigurationIds),
    offer_json: JSON.stringify(s.offer),
    options_json: JSON.stringify(s.options),
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    offer_expires_at: s.offerExpiresAt,
    offer_fetches: s.offerFetches,
    kind: s.kind ?? 'issuance',
  };
}

function rowToSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    id: r.id,
    offerId: r.offer_id,
    state: r.state as SessionState,
    grantType: r.grant_type as GrantType | 'none',
    credentialConfigurationIds: JSON.parse(r.credential_configuration_ids),
    offer: JSON.parse(r.offer_json),
    options: JSON.parse(r.options_json),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    offerExpiresAt: Number(r.offer_expires_at),
    offerFetches: Number(r.offer_fetches),
    // Absent means issuance (SessionRecord.kind), so issuance records read back as they were written.
    ...(r.kind === 'presentation' ? { kind: 'presentation' as const } : {}),
  };
}

function rowToTransaction(r: Selectable<Database['deferred_transactions']>): DeferredTransactionRecord {
  return {
    transactionIdHash: r.transaction_id_hash,
    sessionId: r.session_id,
    credentialConfigurationId: r.credential_configuration_id,
    credentialIdentifier: r.credential_identifier,
    holderKeys: JSON.parse(r.holder_keys_json),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    deliveredAt: r.delivered_at === null ? null : Number(r.delivered_at),
    ...(r.wire_draft ? { wireDraft: r.wire_draft } : {}),
  };
}

function rowToGrant(r: Selectable<Database['pre_authorized_codes']>): PreAuthorizedGrantRecord {
  return {
    codeHash: r.code_hash,
    sessionId: r.session_id,
    txCodeHash: r.tx_code_hash,
    txCodeAttempts: Number(r.tx_code_attempts),
    burnt: Number(r.burnt) === 1,
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
  };
}

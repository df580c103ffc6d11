import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import pg from 'pg';
import type { SessionState } from '../../core/session-state.js';
import type { StoreChange } from '../store.js';
import { rowToEvent, rowToLog } from './row-mappers.js';
import type { Database } from './tables.js';

/**
 * The changes feed across instances on one PostgreSQL database (LISTEN/NOTIFY).
 *
 * The group commit sends `pg_notify` inside its transaction, so the signal goes out only if,
 * and when, the writes commit, and PostgreSQL delivers notifications in commit order. The
 * payload is small (PostgreSQL caps it at 8000 bytes): the writer's origin, the ids of the
 * committed logs and events, and the state changes; a large commit is split over several
 * notifications. Listeners fetch the rows by id. Each store instance ignores its own
 * signals: its local commits already reached its subscribers, and must not arrive twice.
 *
 * A notification sent while a listener is disconnected is lost (PostgreSQL keeps none). So
 * after a reconnect the listener catches up by id: logs and events are time-sortable, and it
 * fetches those from a margin before the newest id it had seen, skips the ids it already
 * delivered (a bounded memory of recent ids, this instance's own commits included) and
 * delivers the rest in id order, ahead of any notification that arrives after LISTEN is back.
 */
export const CHANGES_CHANNEL = 'issuance_lab_changes';
const MAX_PAYLOAD_BYTES = 7800;
/**
 * How far before the newest id seen a catch-up starts: a commit can carry ids created earlier
 * (request duration, queueing in the group commit) and the instances' clocks differ a little.
 */
const CATCH_UP_MARGIN_MS = 60_000;
/** Rows per table one catch-up delivers at most; beyond, live views resume by Last-Event-ID. */
const CATCH_UP_LIMIT = 10_000;
/** Ids remembered as delivered; must cover what a margin's worth of commits holds. */
const REMEMBERED_IDS = 50_000;

export interface ChangeRelay {
  /** Called inside the committing transaction. */
  publish(trx: Transaction<Database>, change: StoreChange): Promise<void>;
  /** Where other instances' commits go (the store's subscribers). */
  attach(deliver: (change: StoreChange) => void): void;
  close(): Promise<void>;
}

interface Signal {
  /** Origin: the writing store instance. */
  o: string;
  l: string[];
  e: string[];
  t: StoreChange['transitions'];
  /** Unbound entries this commit moved into a session (StoreChange.rebound). */
  r?: NonNullable<StoreChange['rebound']>;
}

export interface RelayOptions {
  connectionString: string;
  db: Kysely<Database>;
  /** Connection trouble of the listener (it reconnects by itself). */
  onError?: (err: Error) => void;
}

/** Starts listening; resolves once LISTEN is active, so no commit after it is missed. */
export async function startPostgresChangeRelay(opts: RelayOptions): Promise<ChangeRelay> {
  const origin = randomBytes(8).toString('hex');
  let deliver: (change: StoreChange) => void = () => {};
  let client: pg.Client | null = null;
  let closed = false;
  let retryMs = 100;
  let retryTimer: NodeJS.Timeout | undefined;
  // Fetches run one after another so deliveries keep commit order.
  let chain: Promise<void> = Promise.resolve();
  let connectedOnce = false;
  // Rows committed before this listener started were never going to reach its live views.
  const startedAt = Date.now();
  const seen = new SeenIds(REMEMBERED_IDS);
  /** Delivers the rows no earlier delivery (or local commit) carried. */
  const deliverNew = (change: StoreChange) => {
    const logs = change.logs.filter((l) => seen.add(l.id));
    const events = change.events.filter((e) => seen.add(e.id));
    if (!closed && (logs.length || events.length || change.transitions.length)) deliver({ ...change, logs, events });
  };

  const onNotification = (msg: pg.Notification) => {
    if (msg.channel !== CHANGES_CHANNEL || !msg.payload) return;
    let signal: Signal;
    try {
      signal = JSON.parse(msg.payload);
    } catch {
      return;
    }
    if (signal.o === origin) return;
    chain = chain
      .then(async () => deliverNew(await fetchChange(opts.db, signal)))
      .catch((err) => opts.onError?.(err));
  };

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: opts.connectionString, application_name: 'issuance-lab changes' });
    const lost = (err?: Error) => {
      if (client !== c) return;
      client = null;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      if (err) opts.onError?.(err);
      scheduleReconnect();
    };
    c.on('error', lost);
    c.on('end', () => lost());
    c.on('notification', onNotification);
    client = c;
    await c.connect();
    await c.query(`LISTEN ${CHANGES_CHANNEL}`);
    retryMs = 100;
    // LISTEN is active again: what was committed while it was not is in the tables. Queued
    // ahead of any notification from now on; rows those carry too are skipped as seen.
    if (connectedOnce) {
      const from = Math.max(startedAt, seen.newestMs() - CATCH_UP_MARGIN_MS);
      chain = chain
        .then(async () => deliverNew(await fetchSince(opts.db, from)))
        .catch((err) => opts.onError?.(err));
    }
    connectedOnce = true;
  };

  const scheduleReconnect = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      connect().catch((err) => {
        opts.onError?.(err);
        client = null;
        retryMs = Math.min(retryMs * 2, 5000);
        scheduleReconnect();
      });
    }, retryMs);
    retryTimer.unref();
  };

  try {
    await connect();
  } catch (err) {
    closed = true;
    clearTimeout(retryTimer);
    throw err;
  }

  return {
    async publish(trx, change) {
      // This instance's own commits reach its subscribers directly: never again by a catch-up.
      for (const l of change.logs) seen.add(l.id);
      for (const e of change.events) seen.add(e.id);
      for (const payload of encodeSignals(origin, change)) {
        await sql`select pg_notify(${CHANGES_CHANNEL}, ${payload})`.execute(trx);
      }
    },
    attach(fn) {
      deliver = fn;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const c = client;
      client = null;
      await chain;
      await c?.end().catch(() => undefined);
    },
  };
}

/** Splits one commit into payloads under the NOTIFY limit: ids first, then state changes. */
export function encodeSignals(origin: string, change: StoreChange): string[] {
  const payloads: string[] = [];
  const empty = (): Signal => ({ o: origin, l: [], e: [], t: [] });
  const baseSize = JSON.stringify(empty()).length;
  let current = empty();
  let size = baseSize;
  const add = (kind: 'l' | 'e' | 't' | 'r', item: unknown) => {
    const itemSize = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (size + itemSize > MAX_PAYLOAD_BYTES && size > baseSize) {
      payloads.push(JSON.stringify(current));
      current = empty();
      size = baseSize;
    }
    ((current[kind] ??= []) as unknown[]).push(item);
    size += itemSize;
  };
  for (const l of change.logs) add('l', l.id);
  for (const e of change.events) add('e', e.id);
  for (const t of change.transitions) add('t', t);
  for (const r of change.rebound ?? []) add('r', r);
  if (size > baseSize) payloads.push(JSON.stringify(current));
  return payloads;
}

/** Ids delivered lately, oldest forgotten first, and the newest id of all (ids sort by time). */
class SeenIds {
  private readonly ids = new Set<string>();
  private max = '';

  constructor(private readonly capacity: number) {}

  /** False when the id was seen already. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (id > this.max) this.max = id;
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value!);
    return true;
  }

  /** The creation time of the newest id seen (0 when none was). */
  newestMs(): number {
    return this.max ? parseInt(this.max.slice(0, 9), 36) : 0;
  }
}

/**
 * The logs and events created from `fromMs` on (ids begin with their creation time), in id
 * order, and the current state of each session they belong to (as transitions, so live views
 * refresh it).
 */
async function fetchSince(db: Kysely<Database>, fromMs: number): Promise<StoreChange> {
  const from = fromMs.toString(36).padStart(9, '0');
  const [logs, events] = await Promise.all([
    db.selectFrom('session_logs').selectAll().where('id', '>=', from).orderBy('id').limit(CATCH_UP_LIMIT).execute(),
    db.selectFrom('session_events').selectAll().where('id', '>=', from).orderBy('id').limit(CATCH_UP_LIMIT).execute(),
  ]);
  const sessionIds = [...new Set(events.map((e) => e.session_id))];
  const states = sessionIds.length ? await db.selectFrom('sessions').select(['id', 'state']).where('id', 'in', sessionIds).execute() : [];
  const now = Date.now();
  return {
    logs: logs.map(rowToLog),
    events: events.map(rowToEvent),
    transitions: states.map((s) => ({ sessionId: s.id, from: [], to: s.state as SessionState, at: now })),
    remote: true,
  };
}

async function fetchChange(db: Kysely<Database>, s: Signal): Promise<StoreChange> {
  const [logs, events] = await Promise.all([
    s.l.length ? db.selectFrom('session_logs').selectAll().where('id', 'in', s.l).orderBy('id').execute() : [],
    s.e.length ? db.selectFrom('session_events').selectAll().where('id', 'in', s.e).orderBy('id').execute() : [],
  ]);
  return {
    logs: logs.map(rowToLog),
    events: events.map(rowToEvent),
    transitions: s.t,
    ...(s.r?.length ? { rebound: s.r } : {}),
    remote: true,
  };
}

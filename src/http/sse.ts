import type { FastifyReply, FastifyRequest } from 'fastify';
import { BoundedCache } from '../core/bounded-cache.js';
import type { EventEntry, LogEntry, Store, StoreChange } from '../store/store.js';

/**
 * Server-Sent Events over the store's feed of committed changes (`store.changes`, in commit
 * order; across instances once the PostgreSQL feed lands behind the same interface). A client
 * resuming after entry id X (Last-Event-ID or ?after=) first gets what it missed from the
 * store, then live entries; live entries arriving during that catch-up are held back and
 * de-duplicated, so every entry is sent once and in id (creation) order.
 */

export type StreamEntry = { kind: 'log'; entry: LogEntry } | { kind: 'event'; entry: EventEntry };

export interface SseMessage {
  event: string;
  data: unknown;
  id?: string;
}

export interface SessionStreamOptions {
  /** Formats one log/event entry as one or more messages (JSON for the API, HTML for the dashboard). */
  format(item: StreamEntry): SseMessage[];
  /** Names `format` (e.g. 'page', 'share', 'api'): an entry is formatted once per name for all viewers. */
  formatKey: string;
  /** Cheap messages after each change that touched the session, in order with the entries (the API's state per transition). */
  afterChange?(change: StoreChange): Promise<SseMessage[]>;
  /**
   * Names what afterChange computes when it depends on nothing but the change and this key:
   * then it runs once per change for every stream with the same key (all streams get the same
   * change object), not once per viewer.
   */
  afterChangeKey?: string;
  /**
   * What the view shows besides the entries (state, timeline), re-read after changes that touch
   * the session. Rendered at most once per SUMMARY_DELAY_MS for all streams with the same `key`
   * (see coalesced), so a change costs one read however many viewers watch.
   */
  summary?: { key: string; touchedBy(change: StoreChange): boolean; render(): Promise<SseMessage[]> };
  after?: string;
  heartbeatMs?: number;
  /** Who the stream counts against (caps). */
  scope: StreamScope;
  /** The stream ends this many ms from now (a share link's expiry), after an `expired` message. */
  endsInMs?: number;
}

/** Caps on open streams (SSE_MAX_STREAMS*): in total, per session and per share link. */
export interface StreamLimits {
  total: number;
  perSession: number;
  perShareLink: number;
}

/** What one stream counts against: always the total; a session stream its session; a share stream its link. */
export interface StreamScope {
  limits: StreamLimits;
  sessionId?: string;
  /** The link's token hash (never the token). */
  shareLink?: string;
}

/**
 * Open streams per key ('total', 'session:<id>', 'link:<hash>') on this instance. Every open
 * stream costs a socket, a subscription and a re-render per session change, so a share link
 * opened in 300 tabs must not cost 300 of each (each instance counts its own streams).
 */
const streamCounts = new Map<string, number>();

function admit(scope: StreamScope): { status: number; description: string; keys: string[] } {
  const { limits } = scope;
  const caps: [string, number, number, string][] = [
    ...(scope.shareLink ? [[`link:${scope.shareLink}`, limits.perShareLink, 429, `This share link already has ${limits.perShareLink} live views open (SSE_MAX_STREAMS_PER_SHARE_LINK); close one, or reload later.`] as [string, number, number, string]] : []),
    ...(scope.sessionId ? [[`session:${scope.sessionId}`, limits.perSession, 429, `This session already has ${limits.perSession} live views open (SSE_MAX_STREAMS_PER_SESSION); close one, or reload later.`] as [string, number, number, string]] : []),
    ['total', limits.total, 503, `The server already serves ${limits.total} live views (SSE_MAX_STREAMS); try again later.`],
  ];
  for (const [key, cap, status, description] of caps) {
    if ((streamCounts.get(key) ?? 0) >= cap) return { status, description, keys: [] };
  }
  const keys = caps.map(([key]) => key);
  for (const key of keys) streamCounts.set(key, (streamCounts.get(key) ?? 0) + 1);
  return { status: 200, description: '', keys };
}

function release(keys: string[]): void {
  for (const key of keys) {
    const left = (streamCounts.get(key) ?? 1) - 1;
    if (left > 0) streamCounts.set(key, left);
    else streamCounts.delete(key);
  }
}

/** Entries as sent, by format and entry id: every viewer of a session gets the same bytes. */
const formatted = new BoundedCache<string, string>({ maxEntries: 4096, maxBytes: 8 * 1024 * 1024, sizeOf: (k, v) => k.length + v.length });

/** afterChange results by change and key, shared by the streams that get the same change. */
const afterChangeResults = new WeakMap<StoreChange, Map<string, Promise<string>>>();

function afterChangeWire(change: StoreChange, key: string | undefined, compute: (change: StoreChange) => Promise<SseMessage[]>): Promise<string> {
  const encode = async () => (await compute(change)).map(encodeSseMessage).join('');
  if (key === undefined) return encode();
  let byKey = afterChangeResults.get(change);
  if (!byKey) afterChangeResults.set(change, (byKey = new Map()));
  let wire = byKey.get(key);
  if (!wire) byKey.set(key, (wire = encode()));
  return wire;
}

/** Summary renders of one key start at least this far apart: at most five a second, shared by all viewers. */
export const SUMMARY_DELAY_MS = 200;
const pendingSummaries = new Map<string, Promise<unknown>>();
const lastSummaryStart = new BoundedCache<string, number>({ maxEntries: 10_000, maxBytes: 1024 * 1024, sizeOf: (k) => k.length + 8 });

/**
 * `render` once for every caller that asks for `key` until it starts: at once after a quiet
 * spell (the callers of one change all ask in the same tick), else SUMMARY_DELAY_MS after the
 * previous start. The entry is dropped as the render starts, so a caller that asks later (after
 * a newer change) gets a newer render, never one that began before its change was committed.
 */
function coalesced<T>(key: string, render: () => Promise<T>): Promise<T> {
  let pending = pendingSummaries.get(key) as Promise<T> | undefined;
  if (!pending) {
    const wait = Math.max(0, (lastSummaryStart.get(key) ?? 0) + SUMMARY_DELAY_MS - Date.now());
    pending = new Promise((resolve) => setTimeout(resolve, wait)).then(() => {
      pendingSummaries.delete(key);
      lastSummaryStart.set(key, Date.now());
      return render();
    });
    pendingSummaries.set(key, pending);
  }
  return pending;
}

/**
 * One message on the wire. A client ends a line at CR, LF or CRLF (HTML Living Standard
 * §9.2.5), and the data carries wallet input (a JSON string in a logged body may hold a raw CR):
 * every line break in the data starts a new `data:` line, which the client joins back with LF,
 * so no wallet input can end the data and start an `event:`, `id:` or `retry:` field of its own.
 * Event names and ids are ours, but lose line breaks (and NUL, which voids an id) all the same.
 */
export function encodeSseMessage(m: SseMessage): string {
  const data = typeof m.data === 'string' ? m.data : JSON.stringify(m.data);
  const lines = data.split(/\r\n|\r|\n/).map((l) => `data: ${l}`).join('\n');
  const field = (v: string) => v.replace(/[\r\n\0]/g, '');
  return `${m.id ? `id: ${field(m.id)}\n` : ''}event: ${field(m.event)}\n${lines}\n\n`;
}

/** Open streams and how to end each (unsubscribe, stop the heartbeat, end the response). */
const openStreams = new Set<() => void>();

/** Ends every open stream, so a shutting-down server does not wait for idle browsers. */
export function closeAllStreams(): void {
  for (const close of [...openStreams]) close();
}

/**
 * Where a client resumes: an EventSource reconnecting sends Last-Event-ID, which is newer than
 * the `?after=` its URL was opened with, so the header wins.
 */
export function resumeAfter(request: FastifyRequest): string | undefined {
  const header = request.headers['last-event-id'];
  if (typeof header === 'string' && header) return header.slice(0, 64);
  const after = (request.query as { after?: unknown } | undefined)?.after;
  return typeof after === 'string' && after ? after.slice(0, 64) : undefined;
}

export interface EventStream {
  send(m: SseMessage): void;
  /** Writes messages already encoded (encodeSseMessage). */
  write(encoded: string): void;
  onClose(fn: () => void): void;
  close(): void;
}

/**
 * Opens a stream, or answers 429 (a per-session or per-link cap) / 503 (the total cap) with
 * Retry-After and a description, and returns null.
 */
export function openEventStream(request: FastifyRequest, reply: FastifyReply, scope: StreamScope): EventStream | null {
  const admitted = admit(scope);
  if (admitted.status !== 200) {
    void reply
      .code(admitted.status)
      .header('retry-after', '30')
      .header('cache-control', 'no-store')
      .send({ error: admitted.status === 503 ? 'temporarily_unavailable' : 'too_many_streams', error_description: admitted.description });
    return null;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // Reverse proxies (nginx) would otherwise buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.write(': stream open\n\n');
  const closers: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    openStreams.delete(close);
    release(admitted.keys);
    closers.forEach((fn) => fn());
    if (!res.writableEnded) res.end();
  };
  openStreams.add(close);
  request.raw.on('close', close);
  res.on('close', close);
  return {
    send(m) {
      if (res.writableEnded) return;
      res.write(encodeSseMessage(m));
    },
    write(encoded) {
      if (res.writableEnded || !encoded) return;
      res.write(encoded);
    },
    onClose(fn) {
      closers.push(fn);
    },
    close,
  };
}

/** Streams one session's logs and events (sessionId) or, with null, the unbound request logs. */
export async function streamSession(
  store: Store,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string | null,
  opts: SessionStreamOptions,
): Promise<void> {
  const stream = openEventStream(request, reply, opts.scope);
  if (!stream) return;
  let held: StoreChange[] | null = [];
  let lastId = opts.after ?? '';
  let closed = false;
  // Ids are stamped on each instance's clock, so an entry committed on another instance may sort
  // before one already sent: live delivery skips what was sent, not what sorts lower.
  const sent = new Set<string>();

  const entriesOf = (change: StoreChange): StreamEntry[] => {
    const items: StreamEntry[] = [
      ...change.logs.filter((l) => l.sessionId === sessionId).map((entry) => ({ kind: 'log' as const, entry })),
      ...(sessionId === null ? [] : change.events.filter((e) => e.sessionId === sessionId).map((entry) => ({ kind: 'event' as const, entry }))),
    ];
    return items.sort((a, b) => (a.entry.id < b.entry.id ? -1 : a.entry.id > b.entry.id ? 1 : 0));
  };
  const deliver = async (change: StoreChange) => {
    // Entries moved into this session by the commit (a nonce request's logs, once its nonce is
    // used) were committed earlier as unbound: read everything after the last sent id instead.
    if (sessionId !== null && lastId && change.rebound?.some((r) => r.sessionId === sessionId)) {
      const caughtUp = await store.logs.list(sessionId, { limit: 1000, offset: 0, order: 'asc', afterId: lastId });
      const known = new Set(caughtUp.items.map((l) => l.id));
      change = { ...change, logs: [...caughtUp.items, ...change.logs.filter((l) => !known.has(l.id))] };
    }
    const items = entriesOf(change).filter((i) => !sent.has(i.entry.id) && !(opts.after && i.entry.id <= opts.after));
    if (items.length === 0 && !change.transitions.some((t) => t.sessionId === sessionId)) return;
    for (const item of items) {
      const key = `${opts.formatKey}:${item.kind}:${item.entry.id}`;
      let wire = formatted.get(key);
      if (wire === undefined) {
        wire = opts.format(item).map(encodeSseMessage).join('');
        formatted.set(key, wire);
      }
      stream.write(wire);
      sent.add(item.entry.id);
      if (item.entry.id > lastId) lastId = item.entry.id;
    }
    if (sent.size > 20_000) sent.clear(); // a stream open for days: bound the memory, keep going
    if (opts.afterChange) stream.write(await afterChangeWire(change, opts.afterChangeKey, opts.afterChange));
  };

  // One summary loop per stream: a change marks it dirty; the loop renders (shared, delayed)
  // until no change came in meanwhile. Summaries replace what they show, so they need not be
  // ordered with the entries.
  let dirty = false;
  let summarizing = false;
  const summarize = async () => {
    const summary = opts.summary;
    if (!summary || summarizing) return;
    summarizing = true;
    try {
      while (dirty && !closed) {
        dirty = false;
        const wire = await coalesced(summary.key, async () => (await summary.render()).map(encodeSseMessage).join(''));
        if (!closed) stream.write(wire);
      }
    } finally {
      summarizing = false;
    }
  };
  const touched = (change: StoreChange) => {
    if (opts.summary?.touchedBy(change)) {
      dirty = true;
      void summarize().catch(() => undefined);
    }
  };

  // Deliveries run one after another, so a catch-up read or an async afterChange cannot reorder messages.
  let chain = Promise.resolve();
  const unsubscribe = store.changes.subscribe((change) => {
    if (closed) return;
    touched(change);
    if (held) held.push(change);
    else chain = chain.then(() => deliver(change)).catch(() => undefined);
  });
  const heartbeat = setInterval(() => stream.send({ event: 'ping', data: '' }), opts.heartbeatMs ?? 15_000);
  // setTimeout holds at most 2^31-1 ms (~24.8 days); share links live up to 30 days.
  let expiry: NodeJS.Timeout | undefined;
  const endAt = opts.endsInMs === undefined ? undefined : Date.now() + opts.endsInMs;
  const armExpiry = () => {
    if (endAt === undefined) return;
    const left = endAt - Date.now();
    if (left > 0) {
      expiry = setTimeout(armExpiry, Math.min(left, 2 ** 31 - 1));
      return;
    }
    stream.send({ event: 'expired', data: 'This link has expired.' });
    stream.close();
  };
  armExpiry();
  stream.onClose(() => {
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    clearTimeout(expiry);
  });

  if (opts.after) {
    const [logs, events] = await Promise.all([
      store.logs.list(sessionId, { limit: 1000, offset: 0, order: 'asc', afterId: opts.after }),
      sessionId === null ? Promise.resolve({ items: [] as EventEntry[], total: 0 }) : store.events.list(sessionId, { limit: 1000, offset: 0, afterId: opts.after }),
    ]);
    const backlog = { logs: logs.items, events: events.items, transitions: [] };
    await deliver(backlog);
    touched(backlog);
  }
  const pending = held;
  held = null;
  for (const change of pending) chain = chain.then(() => deliver(change)).catch(() => undefined);
  await chain;
}

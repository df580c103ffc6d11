import type { FastifyReply, FastifyRequest } from 'fastify';
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
  /** Called after a change that touched the session (e.g. to send its state). */
  afterChange?(change: StoreChange): Promise<SseMessage[]>;
  after?: string;
  heartbeatMs?: number;
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

export function openEventStream(request: FastifyRequest, reply: FastifyReply): { send(m: SseMessage): void; onClose(fn: () => void): void } {
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
    onClose(fn) {
      closers.push(fn);
    },
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
  const stream = openEventStream(request, reply);
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
      for (const m of opts.format(item)) stream.send(m);
      sent.add(item.entry.id);
      if (item.entry.id > lastId) lastId = item.entry.id;
    }
    if (sent.size > 20_000) sent.clear(); // a stream open for days: bound the memory, keep going
    if (opts.afterChange) for (const m of await opts.afterChange(change)) stream.send(m);
  };

  // Deliveries run one after another, so an async afterChange cannot reorder messages.
  let chain = Promise.resolve();
  const unsubscribe = store.changes.subscribe((change) => {
    if (closed) return;
    if (held) held.push(change);
    else chain = chain.then(() => deliver(change)).catch(() => undefined);
  });
  const heartbeat = setInterval(() => stream.send({ event: 'ping', data: '' }), opts.heartbeatMs ?? 15_000);
  stream.onClose(() => {
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
  });

  if (opts.after) {
    const [logs, events] = await Promise.all([
      store.logs.list(sessionId, { limit: 1000, offset: 0, order: 'asc', afterId: opts.after }),
      sessionId === null ? Promise.resolve({ items: [] as EventEntry[], total: 0 }) : store.events.list(sessionId, { limit: 1000, offset: 0, afterId: opts.after }),
    ]);
    await deliver({ logs: logs.items, events: events.items, transitions: [] });
  }
  const pending = held;
  held = null;
  for (const change of pending) chain = chain.then(() => deliver(change)).catch(() => undefined);
  await chain;
}

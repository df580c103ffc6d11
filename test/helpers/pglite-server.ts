import { createServer, connect, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * An embedded PostgreSQL (PGlite, WASM) reachable over TCP on 127.0.0.1, so the same `pg`
 * driver code runs against it as against a server. Used only when no PostgreSQL server answers.
 *
 * PGlite is ONE backend session shared by every connection (pglite-socket multiplexes them).
 * A relay in front of pglite-socket restores two server behaviours the tests rely on:
 * - NOTIFY: with one session, a notification comes back on the stream of whichever connection
 *   committed, not on the connections that ran LISTEN; the relay takes NotificationResponse
 *   messages out of every backend stream and hands them to the connections listening on it;
 * - concurrent connections: see startNotifyRelay.
 * It changes no query and no result.
 */
export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(): Promise<EmbeddedPostgres> {
  const db = await PGlite.create();
  const inner = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
  await inner.start();
  const [innerHost, innerPort] = inner.getServerConn().split(':');
  const relay = startNotifyRelay(innerHost, Number(innerPort));
  await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
  const address = relay.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      for (const c of relay.connections) c.destroy();
      await new Promise<void>((resolve) => relay.server.close(() => resolve()));
      await inner.stop();
      await db.close();
    },
  };
}

interface RelayConnection {
  client: Socket;
  backend: Socket;
  listening: Set<string>;
  /** Complete frontend messages not yet forwarded (held while another connection owns the backend). */
  queued: Buffer[];
  /** Sync/Query/startup messages forwarded whose ReadyForQuery has not come back yet. */
  outstanding: number;
  destroy(): void;
}

/**
 * The relay also serialises the connections. pglite-socket interleaves the messages of
 * different connections one by one, which breaks the extended protocol (one connection's Bind
 * lands after another's Parse) whenever two connections are busy at once. Here a connection
 * owns the single backend from its first message until a ReadyForQuery says it is idle and
 * outside a transaction, as one server backend would serve it; the others wait their turn.
 */
function startNotifyRelay(host: string, port: number): { server: Server; connections: Set<RelayConnection> } {
  const connections = new Set<RelayConnection>();
  let owner: RelayConnection | null = null;
  const waiting: RelayConnection[] = [];

  const pump = () => {
    while (!owner && waiting.length) {
      const next = waiting.shift()!;
      if (connections.has(next) && next.queued.length) forward(next);
    }
  };
  const forward = (conn: RelayConnection) => {
    owner = conn;
    const batch = conn.queued;
    conn.queued = [];
    for (const m of batch) {
      const type = m[0];
      // Startup (no type byte; first int32 is a length), Sync ('S') and Query ('Q') each end with a ReadyForQuery.
      if (type === 0x53 || type === 0x51 || m.readInt32BE(0) === m.length) conn.outstanding++;
    }
    conn.backend.write(Buffer.concat(batch));
  };
  const release = (conn: RelayConnection) => {
    if (owner === conn) owner = null;
    if (conn.queued.length) waiting.push(conn);
    pump();
  };

  const server = createServer((client) => {
    client.setNoDelay(true);
    const backend = connect({ host, port });
    backend.setNoDelay(true);
    const conn: RelayConnection = {
      client,
      backend,
      listening: new Set(),
      queued: [],
      outstanding: 0,
      destroy: () => {
        client.destroy();
        backend.destroy();
      },
    };
    connections.add(conn);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      connections.delete(conn);
      conn.destroy();
      conn.queued = [];
      if (owner === conn) owner = null;
      pump();
    };
    client.on('close', close).on('error', close);
    backend.on('close', close).on('error', close);

    // Frontend → backend: split into messages, noting simple-protocol LISTEN/UNLISTEN.
    let frontBuffer = Buffer.alloc(0);
    let startupDone = false;
    client.on('data', (chunk: Buffer) => {
      frontBuffer = Buffer.concat([frontBuffer, chunk]);
      for (;;) {
        let message: Buffer;
        if (!startupDone) {
          // Startup packet or SSLRequest: int32 length, no type byte.
          if (frontBuffer.length < 8) break;
          const length = frontBuffer.readInt32BE(0);
          if (frontBuffer.length < length) break;
          message = frontBuffer.subarray(0, length);
          frontBuffer = frontBuffer.subarray(length);
          if (message.readInt32BE(4) === 80877103) {
            client.write('N'); // no TLS on loopback
            continue;
          }
          startupDone = true;
        } else {
          if (frontBuffer.length < 5) break;
          const length = frontBuffer.readInt32BE(1);
          if (frontBuffer.length < 1 + length) break;
          message = frontBuffer.subarray(0, 1 + length);
          frontBuffer = frontBuffer.subarray(1 + length);
          if (message[0] === 0x51 /* 'Q' */) noteListen(conn, message.subarray(5).toString('utf8').replace(/\0$/, ''));
        }
        conn.queued.push(Buffer.from(message));
      }
      if (!conn.queued.length) return;
      if (owner === conn || owner === null) forward(conn);
      else if (!waiting.includes(conn)) waiting.push(conn);
    });

    // Backend → frontend: whole messages; NotificationResponse ('A') goes to the listeners.
    let backBuffer = Buffer.alloc(0);
    backend.on('data', (chunk: Buffer) => {
      backBuffer = Buffer.concat([backBuffer, chunk]);
      const out: Buffer[] = [];
      let idle = false;
      for (;;) {
        if (backBuffer.length < 5) break;
        const length = backBuffer.readInt32BE(1);
        if (backBuffer.length < 1 + length) break;
        const message = backBuffer.subarray(0, 1 + length);
        backBuffer = backBuffer.subarray(1 + length);
        if (message[0] === 0x41 /* 'A' */) {
          routeNotification(connections, message);
          continue;
        }
        out.push(message);
        if (message[0] === 0x5a /* 'Z' */) {
          conn.outstanding = Math.max(0, conn.outstanding - 1);
          // Status 'I': idle outside a transaction ('T'/'E': still inside one).
          idle = conn.outstanding === 0 && message[5] === 0x49;
        }
      }
      if (out.length) client.write(Buffer.concat(out));
      if (idle) release(conn);
    });
  });
  return { server, connections };
}

function noteListen(conn: RelayConnection, query: string): void {
  for (const statement of query.split(';')) {
    const m = /^\s*(UNLISTEN|LISTEN)\s+("?)([^"\s;]+|\*)\2\s*$/i.exec(statement);
    if (!m) continue;
    const channel = m[2] ? m[3] : m[3].toLowerCase();
    if (m[1].toUpperCase() === 'LISTEN') conn.listening.add(channel);
    else if (channel === '*') conn.listening.clear();
    else conn.listening.delete(channel);
  }
}

function routeNotification(connections: Set<RelayConnection>, message: Buffer): void {
  // NotificationResponse: 'A', int32 length, int32 pid, channel\0, payload\0.
  const end = message.indexOf(0, 9);
  const channel = message.subarray(9, end).toString('utf8');
  for (const c of connections) if (c.listening.has(channel)) c.client.write(message);
}

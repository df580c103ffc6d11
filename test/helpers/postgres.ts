import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './pglite-server.js';

/**
 * A fresh, isolated PostgreSQL database for one test file (or benchmark run).
 *
 * - A server answers at TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test, as
 *   on CI): a new database is created there and dropped afterwards, so parallel runs and other
 *   test files never share tables.
 * - No server answers: an embedded PostgreSQL (PGlite behind a socket on 127.0.0.1) is started,
 *   so the PostgreSQL tests still run — never silently skipped. Which one ran is printed.
 *
 * TEST_POSTGRES=server fails instead of falling back; TEST_POSTGRES=pglite forces the embedded one.
 */
export interface TestDatabase {
  url: string;
  backend: 'server' | 'pglite';
  /** One line saying what the tests ran against. */
  description: string;
  drop(): Promise<void>;
}

const serverUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const mode = process.env.TEST_POSTGRES ?? 'auto';
  if (mode !== 'pglite') {
    const reason = await probe(serverUrl);
    if (reason === null) return createServerDatabase(label);
    if (mode === 'server') throw new Error(`TEST_POSTGRES=server but ${redactUrl(serverUrl)} does not answer: ${reason}`);
    return createEmbedded(label, `no PostgreSQL server at ${redactUrl(serverUrl)} (${reason})`);
  }
  return createEmbedded(label, 'TEST_POSTGRES=pglite');
}

async function probe(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createServerDatabase(label: string): Promise<TestDatabase> {
  const name = `il_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const description = `PostgreSQL server ${url.host}, fresh database ${name}`;
  announce(label, description);
  return {
    url: url.toString(),
    backend: 'server',
    description,
    async drop() {
      // FORCE (PostgreSQL 13+) ends connections a failed test may have left open.
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}

async function createEmbedded(label: string, why: string): Promise<TestDatabase> {
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres();
  const description = `embedded PostgreSQL (PGlite over a 127.0.0.1 socket) because ${why}`;
  announce(label, description);
  return { url: embedded.url, backend: 'pglite', description, drop: () => embedded.stop() };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function announce(label: string, description: string): void {
  process.stdout.write(`# ${label}: PostgreSQL tests run against ${description}\n`);
}

function redactUrl(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}

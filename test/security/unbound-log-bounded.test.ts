import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, signIn, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * What anyone can make the issuer keep and show. Requests to unknown paths are limited per
 * address (past the limit: 429, nothing written); an entry that belongs to no session keeps a
 * few KiB of each field with its original size (before: the whole 256 KiB body for 7 days, 200
 * requests = 51 MB); every view of a log stops at 1 MiB of entries and says where the rest
 * starts (before: 500 bodies of quote characters made the unbound page 457 MB of HTML). And
 * /readyz fails while the database refuses writes, although reads still work.
 */

const UNBOUND_LIMIT = 20;
const QUOTES = JSON.stringify({ note: '"'.repeat(120_000) });

/** The limit counts per minute: start a burst early enough in a minute to stay in it. */
async function freshMinute() {
  const into = Date.now() % 60_000;
  if (into > 40_000) await new Promise((r) => setTimeout(r, 60_000 - into + 200));
}

async function readyz(issuer: RunningIssuer) {
  const r = await fetch(`${issuer.localUrl}/readyz`);
  return { status: r.status, body: (await r.json()) as { status: string; checks: Record<string, string> } };
}

function runOn(label: string, env: () => Record<string, string>, holdWriteLock: (issuer: RunningIssuer) => Promise<() => Promise<void>>) {
  describe(`what anyone can make the issuer keep (${label})`, () => {
    let issuer: RunningIssuer;
    before(async () => {
      issuer = await startIssuer({ env: { RATE_LIMIT_UNBOUND_PER_MINUTE: String(UNBOUND_LIMIT), ...env() } });
    });
    after(async () => {
      await issuer.stop();
      issuer.cleanup();
    });

    it('limits unknown-path and unattributed requests per address and keeps a few KiB of each, with its size; the unbound views stay small', async () => {
      await freshMinute();
      // Requests at a real endpoint that no session vouches for (an unknown access token): they
      // count against the same per-address budget.
      for (let i = 0; i < 5; i++) {
        const r = await w.credentialRequest(issuer, 'not-a-token', QUOTES);
        assert.equal(r.status, 401, r.text);
      }
      const statuses: number[] = [];
      let refusal: Response | undefined;
      for (let i = 0; i < UNBOUND_LIMIT + 5; i++) {
        const r = await fetch(`${issuer.baseUrl}/no-such-endpoint`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUOTES });
        statuses.push(r.status);
        if (r.status === 429) refusal ??= r;
        else await r.arrayBuffer();
      }
      assert.deepEqual(statuses, [...Array(UNBOUND_LIMIT - 5).fill(404), ...Array(10).fill(429)]);
      assert.ok(Number(refusal!.headers.get('retry-after')) > 0);
      const refused = (await refusal!.json()) as { error: string; error_description: string };
      assert.match(refused.error_description, /RATE_LIMIT_UNBOUND_PER_MINUTE/);

      // Past the budget, such requests are still answered, but no longer written.
      for (let i = 0; i < 3; i++) {
        const r = await w.credentialRequest(issuer, 'not-a-token', QUOTES);
        assert.equal(r.status, 401, r.text);
      }

      const api = await fetch(`${issuer.baseUrl}/unbound_requests/logs?limit=500`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
      const text = await api.text();
      const entries = (JSON.parse(text) as { logs: { endpoint: string; data: Record<string, any> }[] }).logs;
      assert.equal(entries.filter((l) => l.data?.path === '/no-such-endpoint').length, UNBOUND_LIMIT - 5, 'nothing written past the limit');
      const withBodies = entries.filter((l) => l.endpoint === 'credential' && l.data?.body);
      assert.equal(withBodies.length, 5, 'the three past the budget were not written');
      for (const l of withBodies) {
        assert.deepEqual(Object.keys(l.data.body).sort(), ['head', 'original_bytes', 'truncated']);
        assert.equal(l.data.body.truncated, true);
        assert.equal(l.data.body.original_bytes, Buffer.byteLength(JSON.stringify(JSON.parse(QUOTES))));
        assert.equal(l.data.body.head.length, 1024);
      }
      // 20 bodies of 240 KB each kept as a few KiB each.
      assert.ok(text.length < 20 * 16 * 1024, `unbound API page ${text.length} bytes`);
      const page = await fetch(`${issuer.baseUrl}/ui/unbound`, { headers: { cookie: await signIn(issuer) } });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.ok(html.length < 20 * 64 * 1024, `unbound page ${html.length} bytes`);
      assert.match(html, /no-such-endpoint/);
    });

    it('pages session logs by bytes as well as rows: a page stops at 1 MiB and says where the rest starts', async () => {
      const offer = await w.createOffer(issuer);
      const token = await w.redeem(issuer, offer);
      // Bound to the session, these bodies are kept whole: 8 × 256 KB of JSON text.
      for (let i = 0; i < 8; i++) {
        const r = await w.credentialRequest(issuer, token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: ['a.b.c'] }, padding: 'x'.repeat(250_000) });
        assert.equal(r.status, 400, r.text);
      }
      const all = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?limit=1`)).body.total as number;
      const seen: string[] = [];
      let offset = 0;
      let pages = 0;
      for (;;) {
        const r = await fetch(`${issuer.baseUrl}/sessions/${offer.session_id}/logs?limit=500&offset=${offset}`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
        const text = await r.text();
        const body = JSON.parse(text) as { logs: { id: string }[]; next_offset?: number; total: number };
        pages++;
        // One entry may exceed the budget alone; a page never holds more than the budget plus one entry.
        assert.ok(text.length < 1024 * 1024 + 300 * 1024, `page of ${text.length} bytes`);
        seen.push(...body.logs.map((l) => l.id));
        if (body.next_offset === undefined) break;
        assert.equal(body.next_offset, offset + body.logs.length);
        offset = body.next_offset;
      }
      assert.ok(pages >= 2, 'the entries did not fit one page');
      assert.equal(seen.length, all);
      assert.equal(new Set(seen).size, all, 'no entry twice');
    });

    it('/readyz answers 503 while the database refuses writes, and ready again after', async () => {
      assert.equal((await readyz(issuer)).status, 200);
      const release = await holdWriteLock(issuer);
      try {
        const r = await readyz(issuer);
        assert.equal(r.status, 503);
        assert.equal(r.body.checks.database, 'ok', 'reads still work: the old check said ready');
        assert.equal(r.body.checks.database_writes, 'failed');
      } finally {
        await release();
      }
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = (await readyz(issuer)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 250));
      }
      assert.equal(status, 200);
    });
  });
}

runOn(
  'SQLite',
  () => ({}),
  async (issuer) => {
    // Another process holding the write lock: the issuer's writes wait out busy_timeout and fail.
    const db = new Sqlite(join(issuer.dataDir, 'issuance-lab.sqlite'));
    db.exec('begin immediate');
    return async () => {
      db.exec('rollback');
      db.close();
    };
  },
);

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('unbound_bounded');
});
after(async () => {
  await database?.drop();
});
runOn(
  'PostgreSQL',
  () => ({ DATABASE_URL: database.url }),
  async () => {
    // Writes to the counters wait on the lock; reads go through.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('begin');
    await client.query('lock table rate_limits in exclusive mode');
    return async () => {
      await client.query('rollback');
      await client.end();
    };
  },
);

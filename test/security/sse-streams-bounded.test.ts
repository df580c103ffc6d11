import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, signIn, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { openStream, type OpenStream } from '../helpers/sse.js';
import * as w from '../helpers/wallet.js';

/**
 * Live views cannot be turned against the issuer. Every open stream costs a socket and a
 * re-render per change of its session, and a share link is public: opened in hundreds of tabs it
 * took offer fetches from 680/s to 3.5/s. So streams are capped per share link, per session and
 * in total (429 / 503 with a description and Retry-After; a closed stream frees its place), the
 * state and timeline a change brings are rendered once for all viewers of a session, and a share
 * stream ends when its link expires. Offer-fetch throughput with the streams open is compared
 * with the same fetches without them, in the same test.
 */

const LIMITS = { SSE_MAX_STREAMS: '44', SSE_MAX_STREAMS_PER_SESSION: '40', SSE_MAX_STREAMS_PER_SHARE_LINK: '20' };

async function shareLink(issuer: RunningIssuer, sessionId: string): Promise<string> {
  const r = await admin(issuer, 'POST', `/sessions/${sessionId}/share`, { expires_in: 3600 });
  assert.equal(r.status, 201);
  return r.body.url;
}

/** Opens a stream that must be refused; returns its status and body. */
async function refused(url: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, { headers });
  const body = await r.text();
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: JSON.parse(body) as { error: string; error_description: string } };
}

/** `count` offer fetches, `concurrency` at a time; milliseconds taken. */
async function offerFetches(url: string, count: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next++;
        const r = await fetch(url);
        assert.equal(r.status, 200);
        await r.arrayBuffer();
      }
    }),
  );
  return performance.now() - started;
}

/** CPU time (user + system, ms) the issuer process has used so far. */
function cpuMs(issuer: RunningIssuer): number {
  const fields = readFileSync(`/proc/${issuer.process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const count = (text: string, what: RegExp) => (text.match(what) ?? []).length;

function runOn(label: string, env: () => Record<string, string>, expireShareLinks: (issuer: RunningIssuer, sessionId: string, at: number) => Promise<void>) {
  describe(`live views are bounded (${label})`, () => {
    let issuer: RunningIssuer;
    before(async () => {
      issuer = await startIssuer({ env: { ...LIMITS, ...env() } });
    });
    after(async () => {
      await issuer.stop();
      issuer.cleanup();
    });

    it('caps streams per share link, per session and in total, and open streams do not slow offer fetches down', async () => {
      const offer = await w.createOffer(issuer);
      const FETCHES = 120;
      // Warm-up, then the figure without viewers.
      await offerFetches(offer.credential_offer_uri!, 20, 4);
      let cpu = cpuMs(issuer);
      const alone = await offerFetches(offer.credential_offer_uri!, FETCHES, 4);
      const cpuAlone = cpuMs(issuer) - cpu;

      const [linkA, linkB, linkC] = [await shareLink(issuer, offer.session_id), await shareLink(issuer, offer.session_id), await shareLink(issuer, offer.session_id)];
      const open: OpenStream[] = [];
      const dashboard: OpenStream[] = [];
      try {
        // One viewer: what the live page costs at all (grouping, summary), paid once per change.
        open.push(await openStream(`${linkA}/stream`));
        await open[0].until((t) => t.includes('stream open'));
        cpu = cpuMs(issuer);
        const one = await offerFetches(offer.credential_offer_uri!, FETCHES, 4);
        const cpuOne = cpuMs(issuer) - cpu;
        for (let i = 1; i < 20; i++) open.push(await openStream(`${linkA}/stream`));
        const perLink = await refused(`${linkA}/stream`);
        assert.equal(perLink.status, 429);
        assert.match(perLink.body.error_description, /share link already has 20 live views open \(SSE_MAX_STREAMS_PER_SHARE_LINK\)/);
        assert.equal(perLink.retryAfter, '30');
        for (let i = 0; i < 20; i++) open.push(await openStream(`${linkB}/stream`));
        const perSession = await refused(`${linkC}/stream`);
        assert.equal(perSession.status, 429);
        assert.match(perSession.body.error_description, /session already has 40 live views open \(SSE_MAX_STREAMS_PER_SESSION\)/);
        const apiStream = await refused(`${issuer.baseUrl}/sessions/${offer.session_id}/stream`, { authorization: `Bearer ${issuer.adminToken}` });
        assert.equal(apiStream.status, 429, 'the admin API stream counts against the session too');

        const cookie = await signIn(issuer);
        const other = await w.createOffer(issuer);
        for (let i = 0; i < 4; i++) dashboard.push(await openStream(`${issuer.baseUrl}/ui/sessions/${other.session_id}/stream`, { cookie }));
        const total = await refused(`${issuer.baseUrl}/ui/unbound/stream`, { cookie });
        assert.equal(total.status, 503);
        assert.match(total.body.error_description, /already serves 44 live views \(SSE_MAX_STREAMS\)/);
        assert.deepEqual([...open, ...dashboard].map((s) => s.status), Array(44).fill(200));
        await Promise.all(open.map((s) => s.until((t) => t.includes('stream open'))));

        cpu = cpuMs(issuer);
        const loaded = await offerFetches(offer.credential_offer_uri!, FETCHES, 4);
        const cpuLoaded = cpuMs(issuer) - cpu;
        const ratio = loaded / alone;
        console.log(
          `# ${label}: ${FETCHES} offer fetches without viewers ${alone.toFixed(0)} ms (issuer CPU ${cpuAlone} ms), 1 viewer ${one.toFixed(0)} ms (CPU ${cpuOne} ms), 40 viewers ${loaded.toFixed(0)} ms (CPU ${cpuLoaded} ms)`,
        );
        // Every viewer got every fetch (as an entry) and a state and timeline after them.
        await Promise.all(open.map((s) => s.until((t) => count(t, /\nevent: event\n|^event: event\n|id: [^\n]+\nevent: event\n/g) >= FETCHES && /event: (timeline|fragments)/.test(t))));
        // Before the renders were shared: 11.8 × (SQLite) and 18 × (PostgreSQL) as long as without
        // viewers, 25 × the CPU; each viewer added its own re-reads. Now the page's work is done once
        // per change (or burst), whatever the number of viewers.
        assert.ok(ratio < 10, `offer fetches with 40 viewers took ${ratio.toFixed(2)} × as long as without`);
        assert.ok(cpuLoaded / cpuOne < 3, `offer fetches with 40 viewers cost ${(cpuLoaded / cpuOne).toFixed(2)} × the issuer CPU of one viewer`);

        // A closed stream frees its place.
        open.shift()!.close();
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i++) {
          const s = await openStream(`${linkC}/stream`);
          status = s.status;
          if (status === 200) open.push(s);
          else await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 200, 'a place frees up once a viewer leaves');
      } finally {
        for (const s of [...open, ...dashboard]) s.close();
      }
      assert.doesNotMatch(issuer.output(), /already sent|"level":50/);
    });

    it('ends a share stream when its link expires; the link then answers 404', async () => {
      const offer = await w.createOffer(issuer);
      const url = await shareLink(issuer, offer.session_id);
      await expireShareLinks(issuer, offer.session_id, Date.now() + 2000);
      const stream = await openStream(`${url}/stream`);
      assert.equal(stream.status, 200);
      const fetched = await fetch(offer.credential_offer_uri!);
      assert.equal(fetched.status, 200);
      await stream.until((t) => t.includes('offer_retrieved'), 10_000);
      await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error(`stream still open after expiry:\n${stream.text()}`)), 15_000))]);
      assert.match(stream.text(), /event: expired\ndata: This link has expired\./);
      assert.equal((await fetch(url)).status, 404);
      assert.equal((await fetch(`${url}/stream`)).status, 404);
    });
  });
}

runOn(
  'SQLite',
  () => ({}),
  async (issuer, sessionId, at) => {
    const db = new Sqlite(join(issuer.dataDir, 'issuance-lab.sqlite'));
    try {
      db.prepare('update share_links set expires_at = ? where session_id = ?').run(at, sessionId);
    } finally {
      db.close();
    }
  },
);

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase('sse_bounded');
});
after(async () => {
  await database?.drop();
});
runOn(
  'PostgreSQL',
  () => ({ DATABASE_URL: database.url }),
  async (_issuer, sessionId, at) => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await client.query('update share_links set expires_at = $1 where session_id = $2', [at, sessionId]);
    } finally {
      await client.end();
    }
  },
);

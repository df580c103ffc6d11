import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/config-error.js';
import { fixedClock, systemClock } from '../../src/core/clock.js';
import { shutdownGracefully } from '../../src/lifecycle.js';
import { loadRuntime } from '../../src/runtime.js';
import { openStore } from '../../src/store/open-store.js';
import { startPurgeSchedule } from '../../src/store/retention.js';
import type { PurgeCounts, Store } from '../../src/store/store.js';
import { freePort, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

const ADMIN = 'test-admin-token-0123456789';
const METRICS = 'test-metrics-token-0123456789';
const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const silentLog = { info: () => {}, error: () => {} };

/** The real app on 127.0.0.1 in this process (SQLite in a temp DATA_DIR), so its store can be watched. */
async function startInProcess(opts: { draining?: () => boolean; wrapStore?: (s: Store) => Store } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'issuance-lab-ops-'));
  const port = await freePort();
  const config = loadConfig({ DATA_DIR: dir, ADMIN_TOKEN: ADMIN, METRICS_TOKEN: METRICS, PUBLIC_URL: `http://localhost:${port}`, PORT: String(port) });
  const runtime = await loadRuntime(config, systemClock);
  const store = opts.wrapStore ? opts.wrapStore(runtime.deps.store) : runtime.deps.store;
  const app = await buildApp({ ...runtime.deps, store }, { ops: { draining: opts.draining ?? (() => false) } });
  await app.listen({ port, host: '127.0.0.1' });
  const issuer = { baseUrl: `http://localhost:${port}`, localUrl: `http://127.0.0.1:${port}`, adminToken: ADMIN } as RunningIssuer;
  return { app, store, dir, issuer };
}

describe('health, readiness and metrics', () => {
  let s: Awaited<ReturnType<typeof startInProcess>>;
  let draining = false;
  before(async () => {
    s = await startInProcess({ draining: () => draining });
  });
  after(async () => {
    await s.app.close();
    await s.store.close();
    rmSync(s.dir, { recursive: true, force: true });
  });

  it('answers /healthz and /readyz (database reachable, keys loaded)', async () => {
    const health = await fetch(`${s.issuer.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const ready = await fetch(`${s.issuer.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: 'ok', database_writes: 'ok', keys: 'ok', accepting: 'ok' } });
  });

  it('turns /readyz to 503 while draining, /healthz stays 200', async () => {
    draining = true;
    try {
      const ready = await fetch(`${s.issuer.baseUrl}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as any).status, 'shutting_down');
      assert.equal((await fetch(`${s.issuer.baseUrl}/healthz`)).status, 200);
    } finally {
      draining = false;
    }
  });

  it('refuses /metrics without the metrics or admin token', async () => {
    assert.equal((await fetch(`${s.issuer.baseUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${s.issuer.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    assert.equal((await fetch(`${s.issuer.baseUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).status, 200);
  });

  it('counts requests per route, issuances by configuration and outcome, errors by wire code', async () => {
    const offer = await w.createOffer(s.issuer);
    const bad = await w.tokenRequest(s.issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'nope' });
    assert.equal(bad.body.error, 'invalid_grant');
    const token = await w.redeem(s.issuer, offer);
    const proof = await w.signProof(await w.newHolderKey(), { aud: s.issuer.baseUrl, nonce: await w.fetchNonce(s.issuer) });
    assert.equal((await w.credentialRequest(s.issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } })).status, 200);
    const reused = await w.credentialRequest(s.issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(reused.body.error, 'invalid_nonce');

    const res = await fetch(`${s.issuer.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line ? Number(line.slice(series.length + 1)) : undefined;
    };
    assert.equal(value(`issuance_credentials_total{tenant="",configuration="${CONFIG}",outcome="issued"}`), 1);
    assert.equal(value(`issuance_credentials_total{tenant="",configuration="${CONFIG}",outcome="failed"}`), 1);
    assert.equal(value('issuance_errors_total{tenant="",endpoint="token",error="invalid_grant"}'), 1);
    assert.equal(value('issuance_errors_total{tenant="",endpoint="credential",error="invalid_nonce"}'), 1);
    assert.equal(value('issuance_http_requests_total{tenant="",route="/token",method="POST",status_code="200"}'), 1);
    assert.equal(value('issuance_http_requests_total{tenant="",route="/token",method="POST",status_code="400"}'), 1);
    assert.equal(value('issuance_http_request_duration_seconds_count{tenant="",route="/credential",method="POST"}'), 2);
    assert.ok(!text.includes('issuance_db_pool_connections{'), 'SQLite has no pool');
    assert.ok(!text.includes(token) && !text.includes(w.preAuthorizedCode(offer)), 'no secrets in metrics');
  });
});

describe('graceful shutdown', () => {
  it('finishes a request in flight and commits its session log before the store closes', async () => {
    let gateHit!: () => void;
    const hit = new Promise<void>((r) => (gateHit = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The real store, with the token request's log write held until the test lets it go.
    const s = await startInProcess({
      wrapStore: (real) => ({
        ...real,
        async write(batch) {
          if (batch.logs.some((l) => l.endpoint === 'token')) {
            gateHit();
            await gate;
          }
          return real.write(batch);
        },
      }),
    });
    try {
      const inFlight = w.tokenRequest(s.issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'unknown' });
      await hit;
      let draining = false;
      const done = shutdownGracefully({ app: s.app, store: s.store, setDraining: () => (draining = true), timeoutMs: 60_000, log: silentLog });
      assert.equal(draining, true);
      // A new request is not taken any more.
      const late = await fetch(`${s.issuer.baseUrl}/healthz`).then((r) => r.status, () => 'refused');
      assert.ok(late === 'refused' || late === 503, String(late));
      release();
      const res = await inFlight;
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
      assert.equal(await done, true);
      const requestId = res.headers.get('x-request-id');
      const reopened = await openStore({ dataDir: s.dir });
      try {
        const logs = await reopened.logs.list(null, { limit: 1000, offset: 0 });
        assert.ok(logs.items.some((l) => l.requestId === requestId), 'the in-flight request’s log was committed');
      } finally {
        await reopened.close();
      }
    } finally {
      release();
      rmSync(s.dir, { recursive: true, force: true });
    }
  });

  it('drains the group commit on close: a write still queued is committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'issuance-lab-drain-'));
    try {
      const store = await openStore({ dataDir: dir });
      const pending = store.nonces.create('queued-nonce', Date.UTC(2030, 0, 1), Date.UTC(2027, 0, 1), null);
      await store.close();
      await pending;
      const reopened = await openStore({ dataDir: dir });
      assert.ok(await reopened.nonces.peek('queued-nonce'));
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 0 on SIGTERM after logging the shutdown, as JSON process log lines', async () => {
    const issuer = await startIssuer();
    try {
      await issuer.stop('SIGTERM');
      assert.equal(issuer.process.exitCode, 0, issuer.output());
      const lines = issuer.output().split('\n').filter((l) => l.startsWith('{'));
      const messages = lines.map((l) => JSON.parse(l).msg as string);
      assert.ok(messages.some((m) => m.includes('listening on')));
      assert.ok(messages.some((m) => m.includes('SIGTERM: finishing in-flight requests')));
      assert.ok(messages.some((m) => m.includes('shutdown complete')));
    } finally {
      issuer.cleanup();
    }
  });
});

describe('retention schedule', () => {
  it('purges on its schedule with the clock it is given', async () => {
    const store = await openStore({ dataDir: ':memory:' });
    const T = Date.UTC(2027, 0, 1);
    await store.nonces.create('old-nonce', T, T - 60_000, null);
    const clock = fixedClock(T + 10 * 24 * 3600_000);
    const runs: PurgeCounts[] = [];
    const schedule = startPurgeSchedule({
      store,
      clock,
      policy: { expiredGraceMs: 3600_000, logsMaxAgeMs: 7 * 24 * 3600_000, sessionsMaxAgeMs: 30 * 24 * 3600_000, batchSize: 100 },
      intervalMs: 5,
      onDone: (c) => runs.push(c),
    });
    try {
      for (let i = 0; i < 500 && runs.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(runs.length >= 2, 'ran more than once');
      assert.equal(runs[0].nonces, 1);
      assert.equal(await store.nonces.peek('old-nonce'), null);
    } finally {
      await schedule.stop();
      await store.close();
    }
  });
});

describe('configuration', () => {
  it('refuses a short METRICS_TOKEN and a one-connection pool at boot', () => {
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), ConfigError);
    assert.throws(() => loadConfig({ DATABASE_POOL_MAX: '1' }), ConfigError);
    const c = loadConfig({ PURGE_INTERVAL_SECONDS: '0', RETENTION_LOGS_DAYS: '2' });
    assert.equal(c.retention.purgeIntervalSeconds, 0);
    assert.equal(c.retention.logsDays, 2);
  });
});


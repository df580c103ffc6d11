import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zRunReport, zStartedRun } from '../../src/schemas/test-plans.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { freePort, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * A test plan run on PostgreSQL with two instances behind one PUBLIC_URL: started on one, its
 * run link (with the tx_codes, unsealed with the shared server secret) and its report read on
 * the other, while the reference wallet works through it.
 */

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

const call = async (issuer: RunningIssuer, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${issuer.localUrl}${path}`, { method, headers: { authorization: `Bearer ${issuer.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
};

it('a run started on one instance is read, linked and judged on the other', async () => {
  const db = await createTestDatabase('test-plans');
  cleanups.push(() => db.drop());
  const portA = await freePort();
  const env = { DATABASE_URL: db.url, PUBLIC_URL: `http://localhost:${portA}`, PURGE_INTERVAL_SECONDS: '0' };
  const a = await startIssuer({ port: portA, env });
  cleanups.push(async () => { await a.stop(); a.cleanup(); });
  const b = await startIssuer({ env });
  cleanups.push(async () => { await b.stop(); b.cleanup(); });

  const created = await call(a, 'POST', '/test_plans/oid4vci-core/runs', {});
  assert.equal(created.status, 201);
  const started = zStartedRun.parse(created.body);
  const onB = (await (await fetch(`${b.localUrl}${new URL(started.run_url).pathname}`)).json()) as { cases: { case_id: string; tx_code?: string }[] };
  assert.deepEqual(
    onB.cases.filter((c) => c.tx_code).map((c) => [c.case_id, c.tx_code]),
    started.cases.filter((c) => c.tx_code).map((c) => [c.case_id, c.tx_code]),
    'the other instance unseals the same tx_codes',
  );

  const store = mkdtempSync(join(tmpdir(), 'plan-pg-wallet-'));
  cleanups.push(() => rmSync(store, { recursive: true, force: true }));
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', 'plan', started.run_url, '--insecure', '--json', '--store', store], { stdio: 'ignore' });
    child.once('exit', resolve);
  });
  assert.equal(code, 0);
  const report = zRunReport.parse((await call(b, 'GET', `/test_plan_runs/${started.run_id}`)).body);
  assert.deepEqual(report.summary, { pass: started.cases.length, fail: 0, warning: 0, not_reached: 0 }, JSON.stringify(report.cases.filter((c) => c.verdict !== 'pass'), null, 2));
  assert.equal(report.state, 'finished');
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zRunReport, zStartedRun, zTestPlanList } from '../../src/schemas/test-plans.js';
import { zCompatibilityMatrix } from '../../src/schemas/admin-responses.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * Test plans end to end over a real socket: a run is started through the admin API, the
 * reference wallet CLI (a separate process) works through the run link, and the verdicts are
 * read back. The plans are tested by the wallet's deliberate mistakes: each fails exactly the
 * cases that check it, with the right evidence, and no other.
 */

let issuer: RunningIssuer;
const stores: string[] = [];
before(async () => {
  // Deferred cases poll at 1 s here, so a plan with a deferred case takes seconds.
  issuer = await startIssuer({ env: { DEFERRED_INTERVAL_SECONDS: '1' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  for (const dir of stores) rmSync(dir, { recursive: true, force: true });
});

function walletPlan(runUrl: string, misbehave?: string): Promise<{ code: number | null; out: string }> {
  const store = mkdtempSync(join(tmpdir(), 'plan-wallet-'));
  stores.push(store);
  const args = ['--import', 'tsx', 'src/wallet/cli.ts', 'plan', runUrl, '--insecure', '--json', '--store', store, ...(misbehave ? ['--misbehave', misbehave] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

async function startRun(planId: string) {
  const r = await admin(issuer, 'POST', `/test_plans/${planId}/runs`, {});
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return zStartedRun.parse(r.body);
}

async function report(runId: string) {
  const r = await admin(issuer, 'GET', `/test_plan_runs/${runId}`);
  assert.equal(r.status, 200);
  return zRunReport.parse(r.body);
}

/** Every evidence id is a log entry of the case's own session. */
async function assertEvidenceInSessions(run: Awaited<ReturnType<typeof report>>) {
  for (const c of run.cases) {
    const logs = (await admin(issuer, 'GET', `/sessions/${c.session_id}/logs?limit=500&order=asc`)).body.logs as { id: string }[];
    const ids = new Set(logs.map((l) => l.id));
    for (const x of c.expectations) {
      if (x.verdict !== 'not_reached') assert.ok(x.evidence.length > 0, `${c.case_id}/${x.id} has evidence`);
      for (const id of x.evidence) assert.ok(ids.has(id), `${c.case_id}/${x.id}: evidence ${id} is a log entry of session ${c.session_id}`);
    }
  }
}

const verdicts = (run: Awaited<ReturnType<typeof report>>) => Object.fromEntries(run.cases.map((c) => [c.case_id, c.verdict]));

describe('wallet test plans over the admin API and the run link', () => {
  it('lists the shipped plans with their cases', async () => {
    const r = await admin(issuer, 'GET', '/test_plans');
    assert.equal(r.status, 200);
    const plans = zTestPlanList.parse(r.body);
    assert.deepEqual(plans.map((p) => p.plan_id).sort(), ['haip-pid-wallet', 'legacy-drafts', 'oid4vci-core', 'robustness']);
    assert.ok(plans.every((p) => p.cases.length > 0));
    assert.equal((await admin(issuer, 'POST', '/test_plans/nope/runs', {})).status, 404);
  });

  it('the reference wallet passes every case of oid4vci-core; the report is shared read-only without anything that redeems', async () => {
    const started = await startRun('oid4vci-core');
    const before = await report(started.run_id);
    assert.equal(before.state, 'running');
    assert.deepEqual(before.summary, { pass: 0, fail: 0, warning: 0, not_reached: started.cases.length });

    const wallet = await walletPlan(started.run_url);
    assert.equal(wallet.code, 0, wallet.out);
    const run = await report(started.run_id);
    assert.deepEqual(verdicts(run), Object.fromEntries(started.cases.map((c) => [c.case_id, 'pass'])), JSON.stringify(run.cases.filter((c) => c.verdict !== 'pass'), null, 2));
    assert.equal(run.state, 'finished');
    assert.deepEqual(run.summary, { pass: started.cases.length, fail: 0, warning: 0, not_reached: 0 });
    assert.ok(run.wallets.some((w) => w.startsWith('issuance-lab-reference-wallet')));
    await assertEvidenceInSessions(run);
    assert.ok(run.cases.every((c) => c.draft === '1.0' && c.wallet?.startsWith('issuance-lab-reference-wallet')));

    // The compatibility matrix gains the plan results of this wallet.
    const matrix = zCompatibilityMatrix.parse((await admin(issuer, 'GET', '/compatibility')).body);
    const row = matrix.plan_results.find((r) => r.plan_id === 'oid4vci-core' && r.wallet.startsWith('issuance-lab-reference-wallet'));
    assert.ok(row, JSON.stringify(matrix.plan_results));
    assert.equal(row.draft, '1.0');
    assert.equal(row.plan_version, '1');
    assert.equal(row.last_run_id, started.run_id);
    assert.deepEqual(row.cases, { pass: started.cases.length, fail: 0, warning: 0, not_reached: 0 });

    const share = await admin(issuer, 'POST', `/test_plan_runs/${started.run_id}/share`, {});
    assert.equal(share.status, 201);
    const shared = await fetch(share.body.url);
    assert.equal(shared.status, 200);
    const text = await shared.text();
    assert.deepEqual(zRunReport.parse(JSON.parse(text)).summary, run.summary);
    const runToken = new URL(started.run_url).pathname.split('/').pop()!;
    for (const secret of [runToken, ...started.cases.map((c) => c.offer_url), ...started.cases.flatMap((c) => (c.tx_code ? [c.tx_code] : []))]) {
      assert.ok(!text.includes(secret), 'the shared report holds no run link, offer or tx_code');
    }
    const exported = await fetch(`${issuer.baseUrl}/test_plan_runs/${started.run_id}/export`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
    assert.match(exported.headers.get('content-disposition') ?? '', /attachment; filename="run_/);
    const exportText = await exported.text();
    assert.equal(JSON.parse(exportText).run_id, started.run_id);
    for (const c of started.cases) if (c.tx_code) assert.ok(!exportText.includes(c.tx_code));
    const htmlExport = await fetch(`${issuer.baseUrl}/test_plan_runs/${started.run_id}/export?format=html`, { headers: { authorization: `Bearer ${issuer.adminToken}` } });
    assert.match(htmlExport.headers.get('content-disposition') ?? '', /attachment; filename="run_[^"]+\.html"/);
    const htmlText = await htmlExport.text();
    assert.match(htmlText, /^<!doctype html>/);
    assert.equal((htmlText.match(/data-testid="run-case" data-case="[^"]+" data-verdict="pass"/g) ?? []).length, started.cases.length);
    assert.ok(!htmlText.includes('openid-credential-offer') && !htmlText.includes('<script') && !htmlText.includes('<link'), 'self-contained, no offer');
    for (const c of started.cases) if (c.tx_code) assert.ok(!htmlText.includes(c.tx_code));
    assert.equal((await fetch(`${issuer.baseUrl}/share/test_plan_runs/${runToken}`)).status, 404, 'the run link is not a report link');
  });

  it('skipping the tx_code fails exactly the two tx_code cases of oid4vci-core, with the missing-tx_code diagnosis as evidence', async () => {
    const started = await startRun('oid4vci-core');
    await walletPlan(started.run_url, 'skip-tx-code');
    const run = await report(started.run_id);
    const failed = run.cases.filter((c) => c.verdict === 'fail').map((c) => c.case_id);
    assert.deepEqual(failed.sort(), ['tx-code-numeric', 'tx-code-text']);
    assert.ok(run.cases.filter((c) => !failed.includes(c.case_id)).every((c) => c.verdict === 'pass'), JSON.stringify(verdicts(run)));
    for (const c of run.cases.filter((x) => failed.includes(x.case_id))) {
      const x = c.expectations.find((e) => e.kind === 'tx_code_sent')!;
      assert.equal(x.verdict, 'fail');
      assert.equal(x.requirement, 'OID4VCI 1.0 §6.1');
      const logs = (await admin(issuer, 'GET', `/sessions/${c.session_id}/logs?limit=500&order=asc`)).body.logs as { id: string; data?: { code?: string } }[];
      assert.deepEqual(x.evidence.map((id) => logs.find((l) => l.id === id)?.data?.code), ['token.tx_code.missing']);
    }
    await assertEvidenceInSessions(run);
  });

  it('the reference wallet recovers from every fault of robustness; ignoring invalid_nonce and polling too fast fail exactly their cases', async () => {
    const good = await startRun('robustness');
    const wallet = await walletPlan(good.run_url);
    assert.equal(wallet.code, 0, wallet.out);
    const run = await report(good.run_id);
    assert.deepEqual(verdicts(run), Object.fromEntries(good.cases.map((c) => [c.case_id, 'pass'])), JSON.stringify(run.cases.filter((c) => c.verdict !== 'pass'), null, 2));
    await assertEvidenceInSessions(run);

    const bad = await startRun('robustness');
    await walletPlan(bad.run_url, 'ignore-invalid-nonce,poll-fast');
    const badRun = await report(bad.run_id);
    assert.deepEqual(verdicts(badRun), { ...Object.fromEntries(bad.cases.map((c) => [c.case_id, 'pass'])), 'reject-first-nonce': 'fail', 'forced-deferral': 'fail' });
    const nonce = badRun.cases.find((c) => c.case_id === 'reject-first-nonce')!.expectations.find((x) => x.kind === 'retries_after_invalid_nonce')!;
    assert.equal(nonce.verdict, 'fail');
    assert.match(nonce.detail, /did not send the credential request again/);
    const polling = badRun.cases.find((c) => c.case_id === 'forced-deferral')!.expectations[0];
    assert.equal(polling.verdict, 'fail');
    assert.equal(polling.evidence.length, 2, 'the answer that set the interval and the poll that came too soon');
    await assertEvidenceInSessions(badRun);
  });

  it('haip-pid-wallet: the reference wallet passes DPoP with nonces, the mdoc PID and encryption, fails exactly the attestation cases, and never reaches the authorization code case in plan mode', async () => {
    const started = await startRun('haip-pid-wallet');
    await walletPlan(started.run_url);
    const run = await report(started.run_id);
    assert.deepEqual(verdicts(run), {
      'sd-jwt-pid-dpop': 'pass',
      'mdoc-pid-dpop': 'pass',
      encryption: 'pass',
      'key-attestation': 'fail',
      'wallet-attestation': 'fail',
      'authorization-code-par': 'not_reached',
    }, JSON.stringify(run.cases.filter((c) => c.verdict !== 'pass'), null, 2));
    const logsOf = async (sessionId: string) => (await admin(issuer, 'GET', `/sessions/${sessionId}/logs?limit=500&order=asc`)).body.logs as { id: string; data?: { code?: string } }[];
    for (const [caseId, kind, code] of [['key-attestation', 'key_attestation_included', 'key_attestation.required'], ['wallet-attestation', 'wallet_attestation_included', 'client_attestation.missing']] as const) {
      const c = run.cases.find((x) => x.case_id === caseId)!;
      const x = c.expectations.find((e) => e.kind === kind)!;
      assert.equal(x.verdict, 'fail');
      const logs = await logsOf(c.session_id);
      assert.ok(x.evidence.some((id) => logs.find((l) => l.id === id)?.data?.code === code), `${caseId}: ${code} is evidence`);
    }
    await assertEvidenceInSessions(run);
  });
});

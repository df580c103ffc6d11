import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zRunReport, zStartedRun } from '../../src/schemas/test-plans.js';
import { consentThroughPage } from '../helpers/consent-page.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The authorization code case of haip-pid-wallet, with the user in the loop: the reference
 * wallet takes the case's offer (PAR, PKCE, DPoP), the test plays the browser that consents, and
 * the case is judged pass, PAR included, from the session alone.
 */

let issuer: RunningIssuer;
const store = mkdtempSync(join(tmpdir(), 'plan-par-wallet-'));
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
  rmSync(store, { recursive: true, force: true });
});

function walletWithConsent(offerUrl: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', offerUrl, '--flow', 'authorization_code', '--insecure', '--json', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let consenting: Promise<unknown> | undefined;
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      const url = /AUTHORIZATION_URL (\S+)/.exec(stderr)?.[1];
      if (url && !consenting) consenting = consentThroughPage(url).then((location) => fetch(location)).catch((e) => { child.kill(); reject(e); });
    });
    child.once('exit', async (code) => {
      await consenting;
      resolve(code);
    });
  });
}

it('the authorization code case passes with PAR, PKCE and DPoP, judged from the session', async () => {
  const started = zStartedRun.parse((await admin(issuer, 'POST', '/test_plans/haip-pid-wallet/runs', {})).body);
  const run = (await (await fetch(started.run_url)).json()) as { cases: { case_id: string; offer_url: string }[] };
  const parCase = run.cases.find((c) => c.case_id === 'authorization-code-par')!;
  assert.equal(await walletWithConsent(parCase.offer_url), 0);

  const report = zRunReport.parse((await admin(issuer, 'GET', `/test_plan_runs/${started.run_id}`)).body);
  const judged = report.cases.find((c) => c.case_id === 'authorization-code-par')!;
  assert.equal(judged.verdict, 'pass', JSON.stringify(judged, null, 2));
  const par = judged.expectations.find((x) => x.kind === 'pushed_authorization_request')!;
  assert.equal(par.requirement, 'HAIP 1.0 §4.1, RFC 9126');
  assert.equal(par.evidence.length, 2, 'the PAR request and the authorization request');
  assert.ok(report.cases.filter((c) => c.case_id !== 'authorization-code-par').every((c) => c.verdict === 'not_reached'), 'the other cases were not touched');
});

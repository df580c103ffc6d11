/**
 * `npm run wallet -- plan '<run url>'`: every case of a test plan run, unattended, in plan
 * order. The run link hands out each case's offer and transaction code; what the wallet does
 * with them is judged by the issuer from its own log, not from this wallet's report.
 */
import { join } from 'node:path';
import { describeError, runWallet, type Misbehaviour } from './flow.js';
import type { Reporter } from './report.js';

export interface PlanRunOptions {
  runUrl: string;
  storeDir: string;
  reporter: Reporter;
  /** http:// run links (local testing only). */
  insecure: boolean;
  misbehave?: Misbehaviour;
  /** Deferred cases: polls before moving on (the credential arrives when the operator supplies claims). */
  deferredPollLimit: number;
}

export interface PlanCaseOutcome {
  case_id: string;
  ok: boolean;
  credentials: number;
  error?: string;
}

interface WalletRunView {
  run_id: string;
  plan_id: string;
  plan_version: string;
  cases: { case_id: string; title: string; offer_url: string; tx_code?: string }[];
}

export async function runPlan(opts: PlanRunOptions): Promise<{ run_id: string; plan_id: string; cases: PlanCaseOutcome[] }> {
  const url = new URL(opts.runUrl);
  if (url.protocol !== 'https:' && !opts.insecure) throw new Error(`${url.protocol} run link: pass --insecure for a local http:// issuer`);
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`the run link answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const run = (await res.json()) as WalletRunView;
  opts.reporter.step(`Test plan ${run.plan_id} (version ${run.plan_version}): ${run.cases.length} case(s)`, { run_id: run.run_id });
  const outcomes: PlanCaseOutcome[] = [];
  for (const c of run.cases) {
    opts.reporter.step(`Case ${c.case_id}: ${c.title}`);
    try {
      const summary = await runWallet({
        offer: c.offer_url,
        storeDir: join(opts.storeDir, c.case_id),
        // The case's own steps go to the same output, under the case's heading.
        reporter: opts.reporter,
        txCode: c.tx_code,
        flow: 'pre-authorized_code',
        clientId: 'issuance-lab-reference-wallet',
        redirectPort: 0,
        onAuthorizationUrl: () => {},
        authorizationTimeoutMs: 0,
        dpop: 'auto',
        proofKey: 'jwk',
        deferredPollLimit: opts.deferredPollLimit,
        notify: true,
        resendTxCode: true,
        // Two keys per request where the issuer allows batches: the batch case judges it.
        batchSize: 2,
        misbehave: opts.misbehave,
      });
      outcomes.push({ case_id: c.case_id, ok: true, credentials: summary.credentials.length });
    } catch (error) {
      const message = describeError(error).message;
      opts.reporter.info(`case ${c.case_id} ended: ${message}`);
      outcomes.push({ case_id: c.case_id, ok: false, credentials: 0, error: message });
    }
  }
  return { run_id: run.run_id, plan_id: run.plan_id, cases: outcomes };
}


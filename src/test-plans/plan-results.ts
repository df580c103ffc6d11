/**
 * Plan results for the wallet compatibility matrix: the newest runs' cases, grouped by the
 * wallet that worked through them (User-Agent and the draft its requests showed) and the plan
 * version. Cases no wallet touched are left out.
 */
import type { IssuerDeps } from '../protocol/deps.js';
import type { DraftLabel } from '../session-log/compatibility.js';
import { summarize, type Verdict } from './judge.js';
import type { TestPlan } from './plan.js';
import { readRun } from './runs.js';

export interface PlanResultRow {
  wallet: string;
  draft: DraftLabel;
  plan_id: string;
  plan_version: string;
  runs: number;
  cases: Record<Verdict, number>;
  last_run_id: string;
  last_run_at: string;
}

export async function loadPlanResults(deps: Pick<IssuerDeps, 'store'>, plans: readonly TestPlan[], runLimit: number): Promise<PlanResultRow[]> {
  const runs = await deps.store.testPlanRuns.listRecent(runLimit);
  const rows = new Map<string, { row: Omit<PlanResultRow, 'cases' | 'runs'>; runs: Set<string>; verdicts: Verdict[] }>();
  for (const run of runs) {
    const report = await readRun(deps, plans, run);
    for (const c of report.cases) {
      if (!c.wallet || !c.draft) continue;
      const key = [c.wallet, c.draft, report.plan_id, report.plan_version].join('\u0000');
      let entry = rows.get(key);
      // Runs come newest first: the first one seen is the last run.
      if (!entry) rows.set(key, (entry = { row: { wallet: c.wallet, draft: c.draft, plan_id: report.plan_id, plan_version: report.plan_version, last_run_id: report.run_id, last_run_at: report.created_at }, runs: new Set(), verdicts: [] }));
      entry.runs.add(report.run_id);
      entry.verdicts.push(c.verdict);
    }
  }
  return [...rows.values()].map((e) => ({ ...e.row, runs: e.runs.size, cases: summarize(e.verdicts) }));
}

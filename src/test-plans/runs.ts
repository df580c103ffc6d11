/**
 * Plan runs: starting one creates an offer (a session) per case; reading one judges every case
 * from its session's log and events (judge.ts). Nothing a wallet says is stored, and verdicts
 * are not stored either: each read judges what the sessions hold at that moment.
 */
import { hashSecret, newId, randomToken } from '../core/ids.js';
import type { SessionState } from '../core/session-state.js';
import { sealValue, unsealValue } from '../crypto/sealed-values.js';
import type { IssuerDeps, IssuerUrls } from '../protocol/deps.js';
import { createOffer, offerUrlOf } from '../protocol/oid4vci/offer.js';
import { RequestRecorder } from '../session-log/request-recorder.js';
import { draftOf, walletOf, type DraftLabel } from '../session-log/compatibility.js';
import type { TestPlanRunRecord } from '../store/test-plan-run-records.js';
import { judgeCase, summarize, type ExpectationResult, type Verdict } from './judge.js';
import type { TestPlan } from './plan.js';

type RunDeps = Pick<IssuerDeps, 'store' | 'clock' | 'configurations' | 'config' | 'serverSecret'>;

const TX_CODE_PURPOSE = 'test plan run tx_code';

/** Where a wallet reads a run's cases (offers and transaction codes): a bearer capability, like an offer URI. */
export const walletRunPath = (token: string) => `/wallet_test_runs/${token}`;

export interface StartedRun {
  run_id: string;
  plan_id: string;
  plan_version: string;
  cases: { case_id: string; session_id: string; offer_url: string; tx_code?: string }[];
  /** The run for a wallet: its cases with offers and transaction codes. Shown once, like a tx_code. */
  run_url: string;
}

export async function startRun(deps: RunDeps, urls: IssuerUrls, plan: TestPlan): Promise<StartedRun> {
  const runId = newId('run');
  const walletToken = randomToken(32);
  const cases: StartedRun['cases'] = [];
  const stored: TestPlanRunRecord['cases'] = [];
  for (const planCase of plan.cases) {
    const rec = new RequestRecorder(deps.clock, newId('req'), 'credential_offers');
    const created = await createOffer(deps, urls, planCase.offer, rec);
    rec.log('info', `Case ${planCase.case_id} of test plan ${plan.plan_id} (version ${plan.version})`, { run_id: runId, plan_id: plan.plan_id, case_id: planCase.case_id, title: planCase.title });
    await rec.flush(deps.store);
    cases.push({ case_id: planCase.case_id, session_id: created.session_id, offer_url: created.offer_url, ...(created.tx_code ? { tx_code: created.tx_code } : {}) });
    stored.push({ caseId: planCase.case_id, sessionId: created.session_id, txCodeSealed: created.tx_code ? await sealValue(deps.serverSecret, TX_CODE_PURPOSE, created.tx_code) : null });
  }
  const now = deps.clock.nowMs();
  await deps.store.testPlanRuns.create({
    id: runId,
    planId: plan.plan_id,
    planVersion: plan.version,
    walletTokenHash: hashSecret(walletToken),
    cases: stored,
    createdAt: now,
    // The run goes when its sessions go (retention).
    expiresAt: now + deps.config.retention.sessionsDays * 86_400_000,
  });
  return { run_id: runId, plan_id: plan.plan_id, plan_version: plan.version, cases, run_url: `${urls.issuer}${walletRunPath(walletToken)}` };
}

export interface CaseReport {
  case_id: string;
  title: string;
  session_id: string;
  session_state: SessionState | null;
  verdict: Verdict;
  expectations: ExpectationResult[];
  /** The wallet (User-Agent, as the compatibility matrix names it) and the draft its requests showed; null before its first request. */
  wallet: string | null;
  draft: DraftLabel | null;
}

export interface RunReport {
  run_id: string;
  plan_id: string;
  plan_name: string;
  plan_version: string;
  state: 'running' | 'finished';
  created_at: string;
  cases: CaseReport[];
  summary: Record<Verdict, number>;
  /** Wallets seen in the run's sessions (User-Agent of their requests), for the compatibility matrix. */
  wallets: string[];
}

/** States after which the wallet has nothing left to do in a case (a deferred one waits for the operator). */
const SETTLED: readonly SessionState[] = ['credential_issued', 'deferred', 'completed', 'credential_deleted', 'failed', 'expired'];

export async function readRun(deps: Pick<IssuerDeps, 'store'>, plans: readonly TestPlan[], run: TestPlanRunRecord): Promise<RunReport> {
  const plan = plans.find((p) => p.plan_id === run.planId);
  const cases = await Promise.all(
    run.cases.map(async (c): Promise<CaseReport> => {
      const planCase = plan?.cases.find((pc) => pc.case_id === c.caseId);
      const [session, logs, events] = await Promise.all([
        deps.store.sessions.get(c.sessionId),
        deps.store.logs.list(c.sessionId, { limit: 10_000, offset: 0, order: 'asc' }),
        deps.store.events.list(c.sessionId, { limit: 10_000, offset: 0 }),
      ]);
      const requests = logs.items.filter((l) => typeof l.data?.method === 'string' && typeof l.data?.status === 'number');
      const seen = { wallet: requests.length ? walletOf(requests) : null, draft: requests.length ? draftOf(logs.items) : null };
      if (!planCase) {
        return { case_id: c.caseId, title: '(no longer in the plan)', session_id: c.sessionId, session_state: session?.state ?? null, verdict: 'not_reached', expectations: [], ...seen };
      }
      const judged = judgeCase(planCase, { logs: logs.items, events: events.items });
      return { case_id: c.caseId, title: planCase.title, session_id: c.sessionId, session_state: session?.state ?? null, verdict: judged.verdict, expectations: judged.expectations, ...seen };
    }),
  );
  const finished = cases.every((c) => c.verdict !== 'not_reached' && c.session_state !== null && SETTLED.includes(c.session_state));
  return {
    run_id: run.id,
    plan_id: run.planId,
    plan_name: plan?.name ?? run.planId,
    plan_version: run.planVersion,
    state: finished ? 'finished' : 'running',
    created_at: new Date(run.createdAt).toISOString(),
    cases,
    summary: summarize(cases.map((c) => c.verdict)),
    wallets: [...new Set(cases.flatMap((c) => (c.wallet ? [c.wallet] : [])))],
  };
}

export interface WalletRunView {
  run_id: string;
  plan_id: string;
  plan_version: string;
  cases: { case_id: string; title: string; offer_url: string; tx_code?: string; session_state: SessionState | null }[];
}

/** What the run link gives a wallet: each case's offer and transaction code, in plan order. */
export async function walletRunView(deps: Pick<IssuerDeps, 'store' | 'serverSecret'>, urls: IssuerUrls, plans: readonly TestPlan[], run: TestPlanRunRecord): Promise<WalletRunView> {
  const plan = plans.find((p) => p.plan_id === run.planId);
  const cases: WalletRunView['cases'] = [];
  for (const c of run.cases) {
    const session = await deps.store.sessions.get(c.sessionId);
    if (!session) continue;
    cases.push({
      case_id: c.caseId,
      title: plan?.cases.find((pc) => pc.case_id === c.caseId)?.title ?? c.caseId,
      offer_url: offerUrlOf(urls, session),
      ...(c.txCodeSealed ? { tx_code: await unsealValue(deps.serverSecret, TX_CODE_PURPOSE, c.txCodeSealed) } : {}),
      session_state: session.state,
    });
  }
  return { run_id: run.id, plan_id: run.planId, plan_version: run.planVersion, cases };
}

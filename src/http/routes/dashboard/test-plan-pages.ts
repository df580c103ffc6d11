import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { hashSecret, randomToken } from '../../../core/ids.js';
import { errorPage } from '../../../dashboard/pages/simple.js';
import { runLive, testPlanRunPage, testPlansPage, type CaseLinks, type RunPageOptions } from '../../../dashboard/pages/test-plans.js';
import { openEventStream, SUMMARY_DELAY_MS } from '../../sse.js';
import { readRun, startRun, walletRunView } from '../../../test-plans/runs.js';
import type { TestPlanRunRecord } from '../../../store/test-plan-run-records.js';
import { urlsFor } from '../../urls.js';
import { sendRunExport } from '../admin/test-plans.js';
import { zRunExportQuery } from '../../../schemas/admin.js';
import { sendPage, type DashboardContext, type DashboardDeps } from './context.js';

const SHARE_SECONDS = 7 * 86_400;

/**
 * Test plans in the dashboard: the plans with "start a run", and a run as a checklist (QR code,
 * deep link and tx_code of each case still to do, verdicts, evidence linked to the session log),
 * its JSON export and a read-only report link. The same functions as the admin API.
 */
export async function testPlanPages(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext): Promise<void> {
  app.get('/ui/test_plans', async (request, reply) =>
    sendPage(reply, testPlansPage(dash.page(request), deps.testPlans.map((p) => ({ plan_id: p.plan_id, name: p.name, version: p.version, description: p.description, cases: p.cases.map((c) => ({ case_id: c.case_id, title: c.title })) })))),
  );

  /** The run as the signed-in page shows it: the report, and each case's offer, tx_code and (while open) QR code. */
  const pageData = async (request: FastifyRequest, run: TestPlanRunRecord, sequence: boolean) => {
    const [report, view] = await Promise.all([readRun(deps, deps.testPlans, run), walletRunView(deps, urlsFor(deps.config, request), deps.testPlans, run)]);
    const links: Record<string, CaseLinks> = {};
    for (const c of view.cases) {
      const open = report.cases.find((r) => r.case_id === c.case_id)?.verdict === 'not_reached';
      links[c.case_id] = { offer_url: c.offer_url, ...(c.tx_code ? { tx_code: c.tx_code } : {}), ...(open ? { qr_svg: await QRCode.toString(c.offer_url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }) } : {}) };
    }
    const pageUrl = `${dash.base}/ui/test_plan_runs/${run.id}`;
    return { report, options: { readOnly: false, links, pageUrl, sequence } satisfies RunPageOptions };
  };

  const render = async (request: FastifyRequest, reply: FastifyReply, run: TestPlanRunRecord, extra: { runUrl?: string; shareUrl?: string; follow?: boolean; sequence?: boolean } = {}) => {
    const { follow = true, sequence = false, ...shown } = extra;
    const { report, options } = await pageData(request, run, sequence);
    const streamUrl = `${options.pageUrl}/stream${sequence ? '?sequence=1' : ''}`;
    return sendPage(reply, testPlanRunPage(dash.page(request), report, { ...options, ...(follow ? { streamUrl } : {}), ...shown }));
  };

  app.post('/ui/test_plans/:plan_id/runs', async (request, reply) => {
    const plan = deps.testPlans.find((p) => p.plan_id === (request.params as { plan_id: string }).plan_id);
    if (!plan) return sendPage(reply, errorPage(dash.page(request), 404, 'No such test plan.'), 404);
    const started = await startRun(deps, urlsFor(deps.config, request), plan);
    const run = await deps.store.testPlanRuns.get(started.run_id);
    return render(request, reply, run!, { runUrl: started.run_url });
  });

  const runOf = async (request: FastifyRequest) => deps.store.testPlanRuns.get((request.params as { run_id: string }).run_id);

  app.get('/ui/test_plan_runs/:run_id', async (request, reply) => {
    const run = await runOf(request);
    const q = request.query as { follow?: string; sequence?: string };
    return run ? render(request, reply, run, { follow: q.follow !== '0', sequence: q.sequence === '1' }) : sendPage(reply, errorPage(dash.page(request), 404, 'No such test plan run.'), 404);
  });

  // The run's live view: after each change of one of its sessions, the summary and checklist again.
  app.get('/ui/test_plan_runs/:run_id/stream', async (request, reply) => {
    const run = await runOf(request);
    if (!run) return reply.code(404).send();
    const stream = openEventStream(request, reply, { limits: deps.config.hardening.streams });
    if (!stream) return;
    const sessions = new Set(run.cases.map((c) => c.sessionId));
    const sequence = (request.query as { sequence?: string }).sequence === '1';
    const push = async () => {
      const { report, options } = await pageData(request, run, sequence);
      stream.send({ event: 'fragments', data: { 'run-live': runLive(dash.page(request), report, options).value } });
    };
    let timer: NodeJS.Timeout | undefined;
    const unsubscribe = deps.store.changes.subscribe((change) => {
      const touched =
        change.logs.some((l) => l.sessionId !== null && sessions.has(l.sessionId)) ||
        change.events.some((e) => sessions.has(e.sessionId)) ||
        change.transitions.some((t) => sessions.has(t.sessionId)) ||
        (change.rebound ?? []).some((r) => sessions.has(r.sessionId));
      if (!touched) return;
      // One re-render for a burst of commits (a wallet's requests come close together).
      clearTimeout(timer);
      timer = setTimeout(() => void push().catch(() => undefined), SUMMARY_DELAY_MS);
    });
    const heartbeat = setInterval(() => stream.send({ event: 'ping', data: '' }), 15_000);
    stream.onClose(() => {
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(timer);
    });
    // What changed between the page and the stream opening.
    await push().catch(() => undefined);
  });

  app.get('/ui/test_plan_runs/:run_id/export', async (request, reply) => {
    const run = await runOf(request);
    if (!run) return sendPage(reply, errorPage(dash.page(request), 404, 'No such test plan run.'), 404);
    const q = zRunExportQuery.safeParse(request.query);
    return sendRunExport(deps, reply, run, urlsFor(deps.config, request).issuer, q.success ? q.data.format : 'json');
  });

  app.post('/ui/test_plan_runs/:run_id/share', async (request, reply) => {
    const run = await runOf(request);
    if (!run) return sendPage(reply, errorPage(dash.page(request), 404, 'No such test plan run.'), 404);
    const token = randomToken(32);
    const now = deps.clock.nowMs();
    await deps.store.testPlanRuns.createShare({ tokenHash: hashSecret(token), runId: run.id, createdAt: now, expiresAt: now + SHARE_SECONDS * 1000 });
    return render(request, reply, run, { shareUrl: `${urlsFor(deps.config, request).issuer}/share/test_plan_runs/${token}` });
  });
}

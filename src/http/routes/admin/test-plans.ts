import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret, randomToken } from '../../../core/ids.js';
import { zRunExportQuery, zShareRequest } from '../../../schemas/admin.js';
import { standaloneRunReport } from '../../../dashboard/pages/test-plans.js';
import type { TestPlanRunRecord } from '../../../store/test-plan-run-records.js';
import { zStartRunRequest } from '../../../schemas/test-plans.js';
import { readRun, startRun } from '../../../test-plans/runs.js';
import type { AppDeps } from '../../app-deps.js';
import { urlsFor } from '../../urls.js';
import { sendExport } from './session-routes.js';

/** Wallet test plans and runs (shared/CONTRACT.md "Wallet test plans"), inside the admin context. */
export async function testPlanAdminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/test_plans', async () =>
    deps.testPlans.map((p) => ({ plan_id: p.plan_id, name: p.name, version: p.version, ...(p.description ? { description: p.description } : {}), cases: p.cases.map((c) => ({ case_id: c.case_id, title: c.title })) })),
  );

  app.post('/test_plans/:plan_id/runs', async (request, reply) => {
    zStartRunRequest.parse(request.body ?? {});
    const planId = (request.params as { plan_id: string }).plan_id;
    const plan = deps.testPlans.find((p) => p.plan_id === planId);
    if (!plan) return reply.code(404).send({ error: 'not_found', error_description: `No test plan ${planId.slice(0, 60)}; GET /test_plans lists them` });
    const started = await startRun(deps, urlsFor(deps.config, request), plan);
    return reply.code(201).header('cache-control', 'no-store').send(started);
  });

  app.get('/test_plan_runs/:run_id', async (request, reply) => {
    const run = await deps.store.testPlanRuns.get(runIdOf(request));
    if (!run) return notFound(reply, runIdOf(request));
    return readRun(deps, deps.testPlans, run);
  });

  app.get('/test_plan_runs/:run_id/export', async (request, reply) => {
    const q = zRunExportQuery.parse(request.query);
    const run = await deps.store.testPlanRuns.get(runIdOf(request));
    if (!run) return notFound(reply, runIdOf(request));
    return sendRunExport(deps, reply, run, urlsFor(deps.config, request).issuer, q.format);
  });

  app.post('/test_plan_runs/:run_id/share', async (request, reply) => {
    const input = zShareRequest.parse(request.body ?? {});
    const run = await deps.store.testPlanRuns.get(runIdOf(request));
    if (!run) return notFound(reply, runIdOf(request));
    const token = randomToken(32);
    const now = deps.clock.nowMs();
    const expiresAt = now + input.expires_in * 1000;
    await deps.store.testPlanRuns.createShare({ tokenHash: hashSecret(token), runId: run.id, createdAt: now, expiresAt });
    return reply.code(201).header('cache-control', 'no-store').send({ url: `${urlsFor(deps.config, request).issuer}/share/test_plan_runs/${token}`, expires_at: new Date(expiresAt).toISOString() });
  });
}

/** The run report as a download: JSON, or one self-contained HTML page. Nothing in either redeems an offer. */
export async function sendRunExport(deps: Pick<AppDeps, 'store' | 'clock' | 'testPlans'>, reply: FastifyReply, run: TestPlanRunRecord, issuer: string, format: 'json' | 'html') {
  const report = await readRun(deps, deps.testPlans, run);
  const exportedAt = new Date(deps.clock.nowMs()).toISOString();
  if (format === 'json') return sendExport(reply, run.id, 'json', { exported_at: exportedAt, credential_issuer: issuer, ...report });
  return reply
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-disposition', `attachment; filename="${run.id.replace(/[^A-Za-z0-9_-]/g, '')}.html"`)
    .header('cache-control', 'no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
    .send(standaloneRunReport(report, { credentialIssuer: issuer, exportedAt }).value);
}

const runIdOf = (request: FastifyRequest) => (request.params as { run_id: string }).run_id;

function notFound(reply: FastifyReply, id: string) {
  return reply.code(404).send({ error: 'not_found', error_description: `No test plan run ${id.slice(0, 60)}` });
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { hashSecret } from '../../core/ids.js';
import { readRun, walletRunView } from '../../test-plans/runs.js';
import type { AppDeps } from '../app-deps.js';
import { mountPath, urlsFor } from '../urls.js';
import { testPlanRunPage } from '../../dashboard/pages/test-plans.js';
import { sendPage } from './dashboard/context.js';

/**
 * The two links of a test plan run that work without the admin token, each a bearer token in
 * the path (stored as a hash): the wallet's run link (every case's offer and tx_code, like an
 * offer URI it is a capability) and the read-only report link (verdicts and evidence ids, nothing
 * that redeems). Unknown or expired is 404 either way.
 */
export async function testPlanLinkRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.get('/wallet_test_runs/:token', async (request, reply) => {
    const run = await deps.store.testPlanRuns.getByWalletToken(hashSecret(tokenOf(request.params)));
    if (!run || run.expiresAt <= deps.clock.nowMs()) return gone(reply, 'This test plan run link is unknown or has expired');
    return reply.header('cache-control', 'no-store').send(await walletRunView(deps, urlsFor(deps.config, request), deps.testPlans, run));
  });

  app.get('/share/test_plan_runs/:token', async (request, reply) => {
    const link = await deps.store.testPlanRuns.getShare(hashSecret(tokenOf(request.params)));
    const run = link && link.expiresAt > deps.clock.nowMs() ? await deps.store.testPlanRuns.get(link.runId) : null;
    if (!run) return gone(reply, 'This report link is unknown or has expired');
    const report = await readRun(deps, deps.testPlans, run);
    // A browser gets the one-page report; scripts get JSON.
    if ((request.headers.accept ?? '').includes('text/html')) return sendPage(reply, testPlanRunPage({ base: mountPath(deps.config) }, report, { readOnly: true, followUrl: `${mountPath(deps.config)}/share/test_plan_runs/${tokenOf(request.params)}` }));
    return reply.header('cache-control', 'no-store').send(report);
  });
}

const tokenOf = (params: unknown) => String((params as { token: string }).token).slice(0, 200);

function gone(reply: FastifyReply, description: string) {
  return reply.code(404).header('cache-control', 'no-store').send({ error: 'not_found', error_description: description });
}

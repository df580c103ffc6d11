import type { FastifyInstance } from 'fastify';
import { compatibilityPage } from '../../../dashboard/pages/compatibility.js';
import { zCompatibilityQuery } from '../../../schemas/admin.js';
import { matrixSteps } from '../../../session-log/compatibility.js';
import { loadCompatibilityMatrix } from '../../../session-log/compatibility-source.js';
import { loadPlanResults } from '../../../test-plans/plan-results.js';
import { PLAN_RUNS_CONSIDERED } from '../admin/compatibility.js';
import { sendPage, type DashboardContext, type DashboardDeps } from './context.js';

/** The wallet compatibility matrix page; the same data as GET /compatibility. */
export async function compatibilityPages(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext): Promise<void> {
  app.get('/ui/compatibility', async (request, reply) => {
    const q = zCompatibilityQuery.safeParse(request.query);
    const limit = q.success ? q.data.limit : 200;
    const [matrix, planResults] = await Promise.all([loadCompatibilityMatrix(deps.store, limit), loadPlanResults(deps, deps.testPlans, PLAN_RUNS_CONSIDERED)]);
    return sendPage(reply, compatibilityPage(dash.page(request), { rows: matrix.rows, steps: matrixSteps, sessionsConsidered: matrix.sessions_considered, limit, planResults }));
  });
}

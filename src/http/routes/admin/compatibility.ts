import type { FastifyInstance } from 'fastify';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { loadPlanResults } from '../../../test-plans/plan-results.js';
import type { TestPlan } from '../../../test-plans/plan.js';
import { zCompatibilityQuery } from '../../../schemas/admin.js';
import { matrixSteps } from '../../../session-log/compatibility.js';
import { loadCompatibilityMatrix } from '../../../session-log/compatibility-source.js';

/** Test plan runs read for the plan results (each run reads its case sessions). */
export const PLAN_RUNS_CONSIDERED = 50;

/** GET /compatibility (admin): the wallet compatibility matrix of the newest sessions. */
export async function compatibilityRoutes(app: FastifyInstance, deps: Pick<IssuerDeps, 'store'> & { testPlans: readonly TestPlan[] }): Promise<void> {
  app.get('/compatibility', async (request, reply) => {
    const q = zCompatibilityQuery.parse(request.query);
    const [matrix, planResults] = await Promise.all([loadCompatibilityMatrix(deps.store, q.limit), loadPlanResults(deps, deps.testPlans, PLAN_RUNS_CONSIDERED)]);
    return reply.header('cache-control', 'no-store').send({ sessions_considered: matrix.sessions_considered, steps: matrixSteps, rows: matrix.rows, plan_results: planResults });
  });
}

import type { FastifyInstance } from 'fastify';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { zCompatibilityQuery } from '../../../schemas/admin.js';
import { matrixSteps } from '../../../session-log/compatibility.js';
import { loadCompatibilityMatrix } from '../../../session-log/compatibility-source.js';

/** GET /compatibility (admin): the wallet compatibility matrix of the newest sessions. */
export async function compatibilityRoutes(app: FastifyInstance, deps: Pick<IssuerDeps, 'store'>): Promise<void> {
  app.get('/compatibility', async (request, reply) => {
    const q = zCompatibilityQuery.parse(request.query);
    const matrix = await loadCompatibilityMatrix(deps.store, q.limit);
    return reply.header('cache-control', 'no-store').send({ sessions_considered: matrix.sessions_considered, steps: matrixSteps, rows: matrix.rows });
  });
}

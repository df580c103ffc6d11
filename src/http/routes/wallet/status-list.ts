import type { FastifyInstance } from 'fastify';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { handleStatusListRequest } from '../../../protocol/status-list/status.js';
import { routePaths, urlsFor } from '../../urls.js';

/** Status List Tokens for relying parties (draft-ietf-oauth-status-list §8): public, CORS open. */
export async function statusListRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.get(`${routePaths.status_list}/:listId`, async (request, reply) => {
    const { listId } = request.params as { listId: string };
    const res = await handleStatusListRequest(deps, urlsFor(deps.config, request), listId, request.headers.accept, request.headers['if-none-match']);
    reply.code(res.status).headers(res.headers ?? {});
    if (res.status === 304) return reply.send();
    if (res.binary) return reply.send(Buffer.from(res.binary));
    return reply.send(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
  });
}

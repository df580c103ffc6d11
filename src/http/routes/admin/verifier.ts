import type { FastifyInstance } from 'fastify';
import { newId } from '../../../core/ids.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { createPresentationRequest } from '../../../protocol/oid4vp/create-request.js';
import { zCreatePresentationRequest } from '../../../schemas/verifier.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import { urlsFor } from '../../urls.js';

/** The verifier's admin API (shared/CONTRACT.md, Verifier): presets and presentation requests. */
export async function verifierAdminRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.get('/presentation_presets', async () => deps.verifier.presets.map((p) => ({ id: p.id, name: p.name, ...(p.description ? { description: p.description } : {}), format: p.format, dcql_query: p.dcql_query })));

  app.post('/presentation_requests', async (request, reply) => {
    const input = zCreatePresentationRequest.parse(request.body ?? {});
    const rec = new RequestRecorder(deps.clock, newId('req'), 'presentation_requests');
    const created = await createPresentationRequest(deps, urlsFor(deps.config, request), input, rec);
    await rec.flush(deps.store);
    return reply.code(201).header('cache-control', 'no-store').header('x-request-id', rec.requestId).send(created);
  });
}

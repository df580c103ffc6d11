import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { AdminRequestError } from '../../../protocol/admin-error.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { createOffer } from '../../../protocol/oid4vci/offer.js';
import { zCreateOfferRequest, zListQuery, zLogQuery, zSessionQuery } from '../../../schemas/admin.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import { newId } from '../../../core/ids.js';
import type { LogEntry, LogLevel } from '../../../store/store.js';
import { withinBytes } from '../../../session-log/log-bounds.js';
import { adminAuth } from '../../plugins/admin-auth.js';
import { routePaths, urlsFor } from '../../urls.js';
import { presentEvent, presentIssuedCredential, presentLog, presentPresentationRequest, presentSession, sessionFilterFrom } from './presenters.js';
import { verifierAdminRoutes } from './verifier.js';
import { adminSessionRoutes } from './session-routes.js';
import { compatibilityRoutes } from './compatibility.js';
import { testPlanAdminRoutes } from './test-plans.js';
import type { AppDeps } from '../../app-deps.js';

/** The admin API (shared/CONTRACT.md): bearer ADMIN_TOKEN, JSON in and out. */
export async function adminRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof AdminRequestError) {
      return reply.code(error.status).send({ error: error.error, error_description: error.message, problems: error.problems });
    }
    if (error instanceof z.ZodError) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: 'The request does not match the admin API schema',
        problems: error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      });
    }
    if (error.statusCode && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: 'invalid_request', error_description: error.message });
    }
    request.log.error(error);
    return reply.code(500).send({ error: 'server_error', error_description: 'Internal error' });
  });

  app.post(routePaths.credential_offer, async (request, reply) => {
    const input = zCreateOfferRequest.parse(request.body ?? {});
    const rec = new RequestRecorder(deps.clock, newId('req'), 'credential_offers');
    const created = await createOffer(deps, urlsFor(deps.config, request), input, rec);
    await rec.flush(deps.store);
    return reply.code(201).header('cache-control', 'no-store').header('x-request-id', rec.requestId).send(created);
  });

  app.get(routePaths.session, async (request) => {
    const q = zSessionQuery.parse(request.query);
    const page = await deps.store.sessions.list(sessionFilterFrom(q));
    return { total: page.total, limit: q.limit, offset: q.offset, sessions: page.items.map((s) => presentSession(s, deps.serverSecret)) };
  });

  app.get(`${routePaths.session}/:id`, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const session = await deps.store.sessions.get(id);
    if (!session) return notFound(reply, id);
    const [events, logs, credentials, presentation] = await Promise.all([
      deps.store.events.list(id, { limit: 1000, offset: 0 }),
      deps.store.logs.list(id, { limit: 1000, offset: 0, order: 'desc' }),
      deps.store.credentials.listBySession(id),
      session.kind === 'presentation' ? deps.store.presentations.get(id) : null,
    ]);
    return {
      ...presentSession(session, deps.serverSecret),
      ...(presentation ? presentPresentationRequest(presentation) : {}),
      events: events.items.map(presentEvent),
      logs: withinBytes(logs.items.map(presentLog)).items,
      issued_credentials: credentials.map(presentIssuedCredential),
    };
  });

  app.get(`${routePaths.session}/:id/logs`, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const q = zLogQuery.parse(request.query);
    if (!(await deps.store.sessions.get(id))) return notFound(reply, id);
    const page = await deps.store.logs.list(id, {
      level: q.level?.split(',') as LogLevel[] | undefined,
      limit: q.limit,
      offset: q.offset,
      order: q.order ?? 'desc',
    });
    return logPage(page, q);
  });

  app.get(`${routePaths.session}/:id/events`, async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const q = zListQuery.parse(request.query);
    if (!(await deps.store.sessions.get(id))) return notFound(reply, id);
    const page = await deps.store.events.list(id, { limit: q.limit, offset: q.offset });
    return { total: page.total, limit: q.limit, offset: q.offset, events: page.items.map(presentEvent) };
  });

  /** Requests that could not be tied to a session: where a broken wallet's first request lands. */
  app.get('/unbound_requests/logs', async (request) => {
    const q = zLogQuery.parse(request.query);
    const page = await deps.store.logs.list(null, {
      level: q.level?.split(',') as LogLevel[] | undefined,
      limit: q.limit,
      offset: q.offset,
      order: q.order ?? 'desc',
    });
    return logPage(page, q);
  });

  await adminSessionRoutes(app, deps);
  await verifierAdminRoutes(app, deps);
  await compatibilityRoutes(app, deps);
  await testPlanAdminRoutes(app, deps);
}

/** One page of log entries, cut at VIEW_BYTES as well as at `limit`; next_offset says where the rest starts. */
function logPage(page: { items: LogEntry[]; total: number }, q: { limit: number; offset: number }) {
  const shown = withinBytes(page.items.map(presentLog));
  const next = q.offset + shown.items.length;
  return { total: page.total, limit: q.limit, offset: q.offset, ...(next < page.total ? { next_offset: next } : {}), logs: shown.items };
}

function notFound(reply: FastifyReply, id: string) {
  return reply.code(404).send({ error: 'not_found', error_description: `No session ${id.slice(0, 60)}` });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hashSecret, newId, randomToken } from '../../../core/ids.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { supplyClaims } from '../../../protocol/oid4vci/supply-claims.js';
import { zExportQuery, zShareRequest, zStreamQuery, zSupplyClaimsRequest } from '../../../schemas/admin.js';
import { createHar } from '../../../session-log/har.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import { resumeAfter, streamSession } from '../../sse.js';
import { routePaths, urlsFor } from '../../urls.js';
import { presentEvent, presentIssuedCredential, presentLog, presentPresentationRequest, presentSharedSession, presentTransaction } from './presenters.js';

const session = routePaths.session;

/**
 * Admin routes around one session: supply claims (deferred issuance), live stream (SSE),
 * export (JSON / HAR) and read-only share links. Registered inside the admin context, so the
 * bearer check and error handler of adminRoutes apply.
 */
export async function adminSessionRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.post(`${session}/:id/claims`, async (request, reply) => {
    const input = zSupplyClaimsRequest.parse(request.body ?? {});
    const rec = new RequestRecorder(deps.clock, newId('req'), 'sessions/claims');
    const result = await supplyClaims(deps, idOf(request), input, rec);
    await rec.flush(deps.store);
    return reply.header('x-request-id', rec.requestId).send(result);
  });

  app.post(`${session}/:id/share`, async (request, reply) => {
    const input = zShareRequest.parse(request.body ?? {});
    const found = await deps.store.sessions.get(idOf(request));
    if (!found) return notFound(reply, idOf(request));
    const link = await createShareLink(deps, found.id, input.expires_in);
    return reply.code(201).header('cache-control', 'no-store').send({
      url: `${urlsFor(deps.config, request).issuer}/share/${link.token}`,
      expires_at: new Date(link.expiresAt).toISOString(),
    });
  });

  app.get(`${session}/:id/export`, async (request, reply) => {
    const q = zExportQuery.parse(request.query);
    const doc = await exportSession(deps, idOf(request), urlsFor(deps.config, request).issuer, q.format);
    if (!doc) return notFound(reply, idOf(request));
    return sendExport(reply, idOf(request), q.format, doc);
  });

  app.get(`${session}/:id/stream`, async (request, reply) => {
    const id = idOf(request);
    if (!(await deps.store.sessions.get(id))) return notFound(reply, id);
    zStreamQuery.parse(request.query);
    await streamSession(deps.store, request, reply, id, {
      after: resumeAfter(request),
      formatKey: 'api',
      format: (item) =>
        item.kind === 'log'
          ? [{ event: 'log', id: item.entry.id, data: presentLog(item.entry) }]
          : [{ event: 'event', id: item.entry.id, data: presentEvent(item.entry) }],
      // One read by key per transition (a handful per session), in order: API clients see every state.
      afterChange: async (change) => {
        if (!change.transitions.some((t) => t.sessionId === id)) return [];
        const current = await deps.store.sessions.get(id);
        return current ? [{ event: 'state', data: { session_id: id, state: current.state } }] : [];
      },
      scope: { limits: deps.config.hardening.streams, sessionId: id },
    });
  });
}

export async function createShareLink(deps: Pick<IssuerDeps, 'store' | 'clock'>, sessionId: string, expiresInSeconds: number) {
  const token = randomToken(32);
  const now = deps.clock.nowMs();
  const expiresAt = now + expiresInSeconds * 1000;
  await deps.store.shares.create({ tokenHash: hashSecret(token), sessionId, createdAt: now, expiresAt });
  return { token, expiresAt };
}

/**
 * Everything about one session in one document (or its requests as HAR 1.2). Exports get
 * attached to bug reports: like a share link, they carry nothing that redeems anything.
 */
export async function exportSession(deps: Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>, id: string, issuer: string, format: 'json' | 'har') {
  const found = await deps.store.sessions.get(id);
  if (!found) return null;
  const logs = await deps.store.logs.list(id, { limit: 10_000, offset: 0, order: 'asc' });
  if (format === 'har') return createHar(logs.items, new URL(issuer).origin, { name: 'issuance-lab', version: '1' });
  const [events, credentials, transactions, presentation] = await Promise.all([
    deps.store.events.list(id, { limit: 10_000, offset: 0 }),
    deps.store.credentials.listBySession(id),
    deps.store.transactions.listBySession(id),
    found.kind === 'presentation' ? deps.store.presentations.get(id) : null,
  ]);
  return {
    exported_at: new Date(deps.clock.nowMs()).toISOString(),
    credential_issuer: issuer,
    // A verification session also carries its request's options, fault switches and judged result.
    session: { ...presentSharedSession(found, deps.serverSecret), ...(presentation ? presentPresentationRequest(presentation) : {}) },
    events: events.items.map(presentEvent),
    logs: logs.items.map(presentLog),
    issued_credentials: credentials.map(presentIssuedCredential),
    deferred_transactions: transactions.map(presentTransaction),
  };
}

/** An export as a download named after the session. */
export function sendExport(reply: FastifyReply, id: string, format: 'json' | 'har', doc: unknown) {
  return reply
    .header('content-type', 'application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${id.replace(/[^A-Za-z0-9_-]/g, '')}.${format}"`)
    .header('cache-control', 'no-store')
    .send(JSON.stringify(doc, null, 2));
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

function notFound(reply: FastifyReply, id: string) {
  return reply.code(404).send({ error: 'not_found', error_description: `No session ${id.slice(0, 60)}` });
}

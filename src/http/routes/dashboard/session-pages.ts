import { parseJsonLimited } from '../../../core/input-limits.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { newId } from '../../../core/ids.js';
import { sessionStates } from '../../../core/session-state.js';
import type { LogView } from '../../../dashboard/components.js';
import { sessionRows, sessionsPage, type SessionRowView } from '../../../dashboard/pages/sessions.js';
import { errorPage, unboundPage } from '../../../dashboard/pages/simple.js';
import { AdminRequestError } from '../../../protocol/admin-error.js';
import { supplyClaims } from '../../../protocol/oid4vci/supply-claims.js';
import { changeCredentialStatus } from '../../../protocol/status-list/status.js';
import { zSessionQuery } from '../../../schemas/admin.js';
import { loadSessionSummary } from '../../../session-log/outcome.js';
import { withinBytes } from '../../../session-log/log-bounds.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import { openEventStream } from '../../sse.js';
import { urlsFor } from '../../urls.js';
import { presentLog, presentSession, sessionFilterFrom } from '../admin/presenters.js';
import { createShareLink, exportSession, sendExport } from '../admin/session-routes.js';
import { field, sendPage, type DashboardContext, type DashboardDeps, type FormBody } from './context.js';
import { renderSessionPage, streamSessionPage, streamUnbound } from './session-view.js';

/** Dashboard pages of sessions: list (live), detail (live), Supply Claims, share, export, unbound requests. */

// datetime-local inputs send "YYYY-MM-DDTHH:MM" (no zone): read as UTC, like the page shows times.
const zListFilter = zSessionQuery.extend({
  state: z.union([z.enum(sessionStates), z.literal('')]).optional(),
  credential_configuration_id: z.string().optional(),
  created_after: z.string().optional(),
  created_before: z.string().optional(),
});
const toIso = (v?: string) => {
  if (!v) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
};

async function loadList(deps: DashboardDeps, request: FastifyRequest) {
  const q = zListFilter.parse(request.query);
  const filter = {
    state: q.state || undefined,
    credential_configuration_id: q.credential_configuration_id || undefined,
    created_after: toIso(q.created_after),
    created_before: toIso(q.created_before),
    with_errors: q.with_errors,
    limit: q.limit,
    offset: q.offset,
  };
  const page = await deps.store.sessions.list(sessionFilterFrom(filter));
  const summaries = await Promise.all(page.items.map((s) => loadSessionSummary(deps.store, s)));
  const rows = page.items.map((s, i) => ({ ...presentSession(s, deps.serverSecret), summary: summaries[i] })) as unknown as SessionRowView[];
  return { filter, total: page.total, rows };
}

const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

export const sessionPages = {
  async renderList(deps: DashboardDeps, dash: DashboardContext, request: FastifyRequest, reply: FastifyReply) {
    const list = await loadList(deps, request);
    return sendPage(reply, sessionsPage(dash.page(request), { ...list, states: sessionStates, configurations: deps.configurations.ids }));
  },

  async register(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext) {
    const detailStream = (id: string) => `${dash.base}/ui/sessions/${id}/stream`;
    const show = async (request: FastifyRequest, reply: FastifyReply, extra: Partial<Parameters<typeof renderSessionPage>[3]> = {}, status = 200) => {
      const page = await renderSessionPage(deps, dash.page(request), idOf(request), { readOnly: false, streamUrl: detailStream(idOf(request)), ...extra });
      return page ? sendPage(reply, page, status) : sendPage(reply, errorPage(dash.page(request), 404, `No session ${idOf(request).slice(0, 60)}`), 404);
    };

    app.get('/ui/sessions/rows', async (request, reply) => {
      const list = await loadList(deps, request);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(sessionRows(dash.page(request), list.rows).value);
    });

    // The list page re-fetches its rows when any session changes.
    app.get('/ui/sessions/stream', async (request, reply) => {
      const stream = openEventStream(request, reply, { limits: deps.config.hardening.streams });
      if (!stream) return;
      const unsubscribe = deps.store.changes.subscribe((change) => {
        if (change.events.length || change.transitions.length) stream.send({ event: 'changed', data: { sessions: [...new Set(change.events.map((e) => e.sessionId))] } });
      });
      const heartbeat = setInterval(() => stream.send({ event: 'ping', data: '' }), 15_000);
      stream.onClose(() => {
        unsubscribe();
        clearInterval(heartbeat);
      });
    });

    app.get('/ui/sessions/:id', (request, reply) => show(request, reply));
    app.get('/ui/sessions/:id/stream', async (request, reply) => {
      if (!(await deps.store.sessions.get(idOf(request)))) return reply.code(404).send();
      await streamSessionPage(deps, request, reply, idOf(request), null, dash.page(request));
    });

    app.post('/ui/sessions/:id/claims', async (request, reply) => {
      const body = (request.body ?? {}) as FormBody;
      const configurationId = field(body, 'credential_configuration_id') ?? '';
      let claims: unknown;
      try {
        claims = parseJsonLimited(field(body, 'claims') ?? '');
      } catch (e) {
        return show(request, reply, { flash: { kind: 'error', text: `The claims are not valid JSON: ${(e as Error).message}` } }, 400);
      }
      const rec = new RequestRecorder(deps.clock, newId('req'), 'sessions/claims');
      try {
        const input = { credential_configuration_id: configurationId, claims: claims as Record<string, unknown> };
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new AdminRequestError(400, 'invalid_request', 'The claims must be a JSON object');
        const result = await supplyClaims(deps, idOf(request), input, rec);
        await rec.flush(deps.store);
        const ready = result.transactions_ready ? ` ${result.transactions_ready} waiting deferred transaction(s) can now be collected by the wallet.` : '';
        return show(request, reply, { flash: { kind: 'ok', text: `Claims supplied for ${configurationId}.${ready}`, problems: result.warnings } });
      } catch (e) {
        if (!(e instanceof AdminRequestError)) throw e;
        return show(request, reply, { flash: { kind: 'error', text: e.message, problems: e.problems } }, e.status);
      }
    });

    // Revoke / suspend / reinstate an issued credential from its session page.
    app.post('/ui/sessions/:id/credentials/:credentialId/status', async (request, reply) => {
      const status = field((request.body ?? {}) as FormBody, 'status');
      if (status !== 'valid' && status !== 'revoked' && status !== 'suspended') {
        return show(request, reply, { flash: { kind: 'error', text: 'Choose revoke, suspend or reinstate' } }, 400);
      }
      const { credentialId } = request.params as { credentialId: string };
      const entry = await changeCredentialStatus(deps, credentialId, status, 'ui/credential_status', idOf(request));
      if (!entry) return show(request, reply, { flash: { kind: 'error', text: 'No such credential in this session' } }, 404);
      return show(request, reply, { flash: { kind: 'ok', text: `Credential ${credentialId} is now ${status}; relying parties see it at their next status list fetch.` } });
    });

    app.post('/ui/sessions/:id/share', async (request, reply) => {
      const seconds = Number(field((request.body ?? {}) as FormBody, 'expires_in'));
      const expiresIn = Number.isInteger(seconds) && seconds >= 60 && seconds <= 30 * 86_400 ? seconds : 86_400;
      if (!(await deps.store.sessions.get(idOf(request)))) return show(request, reply);
      const link = await createShareLink(deps, idOf(request), expiresIn);
      const url = `${urlsFor(deps.config, request).issuer}/share/${link.token}`;
      return show(request, reply, { shareUrl: { url, expires_at: new Date(link.expiresAt).toISOString() } });
    });

    app.get('/ui/sessions/:id/export', async (request, reply) => {
      const format = (request.query as { format?: string }).format === 'har' ? 'har' : 'json';
      const doc = await exportSession(deps, idOf(request), urlsFor(deps.config, request).issuer, format);
      if (!doc) return sendPage(reply, errorPage(dash.page(request), 404, 'No such session'), 404);
      return sendExport(reply, idOf(request), format, doc);
    });

    app.get('/ui/unbound', async (request, reply) => {
      const offset = Math.max(0, Math.floor(Number((request.query as { offset?: string }).offset) || 0));
      const page = await deps.store.logs.list(null, { limit: 500, offset, order: 'desc' });
      const shown = withinBytes(page.items.map(presentLog));
      const next = offset + shown.items.length < page.total ? offset + shown.items.length : undefined;
      const q = (request.query as { q?: unknown }).q;
      return sendPage(reply, unboundPage(dash.page(request), shown.items as unknown as LogView[], page.total, { offset, next }, typeof q === 'string' ? q.slice(0, 200) : ''));
    });
    app.get('/ui/unbound/stream', (request, reply) => streamUnbound(deps, request, reply));
  },
};

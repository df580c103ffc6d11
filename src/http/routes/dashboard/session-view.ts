import type { FastifyReply, FastifyRequest } from 'fastify';
import { eventRow, logItem, stateBadge, timelineList, type LogView } from '../../../dashboard/components.js';
import type { Html } from '../../../dashboard/html.js';
import type { PageContext } from '../../../dashboard/layout.js';
import { sessionPage, timelineOf, type SessionPageData, type SessionView } from '../../../dashboard/pages/session.js';
import type { IssuedView } from '../../../dashboard/pages/session-issued.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import type { LogEntry } from '../../../store/store.js';
import { resumeAfter, streamSession } from '../../sse.js';
import { presentEvent, presentIssuedCredential, presentLog, presentSession, presentSharedLog, presentSharedSession } from '../admin/presenters.js';
import { describeFaults } from '../../../protocol/faults/offer-faults.js';

/**
 * The session page and its live stream, shared by the signed-in dashboard and read-only
 * share links. A shared view never shows client addresses.
 */

const PAGE_LOGS = 500;

export interface SessionViewOptions {
  readOnly: boolean;
  streamUrl: string;
  flash?: SessionPageData['flash'];
  shareUrl?: SessionPageData['shareUrl'];
}

/**
 * The page, or null when the session is gone. The caller sends it: a sent reply is a thenable
 * that resolves to undefined, so returning one from here would read as "no session" and make the
 * caller answer a second time.
 */
export async function renderSessionPage(
  deps: Pick<IssuerDeps, 'store' | 'configurations' | 'config' | 'serverSecret'>,
  ctx: PageContext,
  sessionId: string,
  opts: SessionViewOptions,
): Promise<Html | null> {
  const session = await deps.store.sessions.get(sessionId);
  if (!session) return null;
  const present = opts.readOnly ? presentSharedLog : presentLog;
  const [logs, events, allForTimeline, issued, statuses] = await Promise.all([
    deps.store.logs.list(sessionId, { limit: PAGE_LOGS, offset: 0, order: 'desc' }),
    deps.store.events.list(sessionId, { limit: 1000, offset: 0 }),
    deps.store.logs.list(sessionId, { level: ['debug'], limit: 5000, offset: 0, order: 'asc' }),
    deps.store.credentials.listBySession(sessionId),
    deps.store.statusLists.entriesBySession(sessionId),
  ]);
  const statusOf = new Map(statuses.map((e) => [e.credentialId, (['valid', 'revoked', 'suspended'] as const)[e.status] ?? null]));
  const eventViews = events.items.map(presentEvent) as never[];
  const sampleClaims = Object.fromEntries(
    session.credentialConfigurationIds.map((id) => [id, deps.configurations.byId.get(id)?.issuance.sample_claims ?? {}]),
  );
  const data: SessionPageData = {
    session: (opts.readOnly ? presentSharedSession : presentSession)(session, deps.serverSecret) as unknown as SessionView,
    logs: logs.items.map(present) as unknown as LogView[],
    logTotal: logs.total,
    events: [...eventViews].reverse(),
    timeline: timelineOf(allForTimeline.items.map(presentLog) as unknown as LogView[], eventViews),
    sampleClaims,
    readOnly: opts.readOnly,
    streamUrl: opts.streamUrl,
    flash: opts.flash,
    shareUrl: opts.shareUrl,
    // The switches in effect, and each issued credential with its self-check.
    faults: describeFaults(session.options, deps.config),
    issued: issued.map((c) => ({ ...presentIssuedCredential(c), credential_id: c.id, status: statusOf.get(c.id) ?? null })) as unknown as IssuedView[],
  };
  return sessionPage(ctx, data);
}

/** Live session page: each new entry as the same HTML the page renders, plus state and timeline. */
export async function streamSessionPage(
  deps: Pick<IssuerDeps, 'store'>,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  readOnly: boolean,
) {
  const present = readOnly ? presentSharedLog : presentLog;
  await streamSession(deps.store, request, reply, sessionId, {
    after: resumeAfter(request),
    format: (item) =>
      item.kind === 'log'
        ? [{ event: 'log', id: item.entry.id, data: logItem(present(item.entry as LogEntry) as unknown as LogView).value }]
        : [{ event: 'event', id: item.entry.id, data: eventRow(presentEvent(item.entry) as never).value }],
    afterChange: async () => {
      const [session, requests, events] = await Promise.all([
        deps.store.sessions.get(sessionId),
        deps.store.logs.list(sessionId, { level: ['debug'], limit: 5000, offset: 0, order: 'asc' }),
        deps.store.events.list(sessionId, { limit: 1000, offset: 0 }),
      ]);
      if (!session) return [];
      const timeline = timelineOf(requests.items.map(presentLog) as unknown as LogView[], events.items.map(presentEvent) as never[]);
      return [
        { event: 'state', data: stateBadge(session.state).value },
        { event: 'timeline', data: timelineList(timeline).value },
      ];
    },
  });
}

/** Unbound request logs, live, as HTML entries. */
export async function streamUnbound(deps: Pick<IssuerDeps, 'store'>, request: FastifyRequest, reply: FastifyReply) {
  await streamSession(deps.store, request, reply, null, {
    after: resumeAfter(request),
    format: (item) => (item.kind === 'log' ? [{ event: 'log', id: item.entry.id, data: logItem(presentLog(item.entry) as unknown as LogView).value }] : []),
  });
}

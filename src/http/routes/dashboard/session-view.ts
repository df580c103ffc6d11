import type { FastifyReply, FastifyRequest } from 'fastify';
import { eventRow, logItem, timelineList, type LogView } from '../../../dashboard/components.js';
import type { Html } from '../../../dashboard/html.js';
import type { PageContext } from '../../../dashboard/layout.js';
import { errorBanner, sessionFacts, sessionPage, timelineOf, type SessionPageData, type SessionView } from '../../../dashboard/pages/session.js';
import { issuedSection, type IssuedView } from '../../../dashboard/pages/session-issued.js';
import { loadSessionSummary } from '../../../session-log/outcome.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import type { LogEntry } from '../../../store/store.js';
import { resumeAfter, streamSession } from '../../sse.js';
import { presentEvent, presentIssuedCredential, presentLog, presentPresentationRequest, presentSession, presentSharedLog, presentSharedSession } from '../admin/presenters.js';
import { describeFaults } from '../../../protocol/faults/offer-faults.js';
import { presentationResultView, verificationFacts, verificationSessionPage, type VerificationSessionView } from '../../../dashboard/pages/verification.js';
import type { SessionRecord } from '../../../store/store.js';

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
  if (session.kind === 'presentation') {
    const [logs, events, allForTimeline, view, summary] = await Promise.all([
      deps.store.logs.list(sessionId, { limit: PAGE_LOGS, offset: 0, order: 'desc' }),
      deps.store.events.list(sessionId, { limit: 1000, offset: 0 }),
      deps.store.logs.list(sessionId, { level: ['debug'], limit: 5000, offset: 0, order: 'asc' }),
      loadVerificationView(deps, session, opts.readOnly),
      loadSessionSummary(deps.store, session),
    ]);
    if (!view) return null;
    const eventViews = events.items.map(presentEvent) as never[];
    return verificationSessionPage(ctx, {
      session: view,
      summary,
      logs: logs.items.map(present) as unknown as LogView[],
      logTotal: logs.total,
      events: [...eventViews].reverse(),
      timeline: timelineOf(allForTimeline.items.map(presentLog) as unknown as LogView[], eventViews),
      readOnly: opts.readOnly,
      streamUrl: opts.streamUrl,
      flash: opts.flash,
      shareUrl: opts.shareUrl,
    });
  }
  const [logs, events, allForTimeline, issued, summary] = await Promise.all([
    deps.store.logs.list(sessionId, { limit: PAGE_LOGS, offset: 0, order: 'desc' }),
    deps.store.events.list(sessionId, { limit: 1000, offset: 0 }),
    deps.store.logs.list(sessionId, { level: ['debug'], limit: 5000, offset: 0, order: 'asc' }),
    loadIssued(deps, sessionId),
    loadSessionSummary(deps.store, session),
  ]);
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
    issued,
    summary,
  };
  return sessionPage(ctx, data);
}

/** A verification session with what only its presentation request knows (options, fetches, result). */
async function loadVerificationView(deps: Pick<IssuerDeps, 'store' | 'serverSecret'>, session: SessionRecord, readOnly: boolean): Promise<VerificationSessionView | null> {
  const request = await deps.store.presentations.get(session.id);
  if (!request) return null;
  return { ...(readOnly ? presentSharedSession : presentSession)(session, deps.serverSecret), ...presentPresentationRequest(request) } as unknown as VerificationSessionView;
}

async function loadIssued(deps: Pick<IssuerDeps, 'store'>, sessionId: string): Promise<IssuedView[]> {
  const [issued, statuses] = await Promise.all([deps.store.credentials.listBySession(sessionId), deps.store.statusLists.entriesBySession(sessionId)]);
  const statusOf = new Map(statuses.map((e) => [e.credentialId, (['valid', 'revoked', 'suspended'] as const)[e.status] ?? null]));
  return issued.map((c) => ({ ...presentIssuedCredential(c), credential_id: c.id, status: statusOf.get(c.id) ?? null })) as unknown as IssuedView[];
}

/**
 * Live session page: each new entry as the same HTML the page renders; after each change, one
 * `fragments` message ({element id: HTML}) re-renders every other part of the page: header facts
 * (state, outcome, counts, wallet, offer fetches), error banner, issued credentials, timeline.
 * `ctx` (signed in) gives the issued table its revoke/suspend forms; a share link has none.
 */
export async function streamSessionPage(
  deps: Pick<IssuerDeps, 'store' | 'config' | 'serverSecret'>,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  readOnly: boolean,
  ctx?: PageContext,
) {
  const present = readOnly ? presentSharedLog : presentLog;
  await streamSession(deps.store, request, reply, sessionId, {
    after: resumeAfter(request),
    format: (item) =>
      item.kind === 'log'
        ? [{ event: 'log', id: item.entry.id, data: logItem(present(item.entry as LogEntry) as unknown as LogView).value }]
        : [{ event: 'event', id: item.entry.id, data: eventRow(presentEvent(item.entry) as never).value }],
    afterChange: async () => {
      const session = await deps.store.sessions.get(sessionId);
      if (!session) return [];
      const [requests, events, issued, summary] = await Promise.all([
        deps.store.logs.list(sessionId, { level: ['debug'], limit: 5000, offset: 0, order: 'asc' }),
        deps.store.events.list(sessionId, { limit: 1000, offset: 0 }),
        loadIssued(deps, sessionId),
        loadSessionSummary(deps.store, session),
      ]);
      const timeline = timelineOf(requests.items.map(presentLog) as unknown as LogView[], events.items.map(presentEvent) as never[]);
      if (session.kind === 'presentation') {
        const verification = await loadVerificationView(deps, session, readOnly);
        if (!verification) return [];
        const fragments = {
          'session-facts': verificationFacts(verification, summary).value,
          'error-banner': errorBanner(summary).value,
          'vp-result': presentationResultView(verification.result).value,
          timeline: timelineList(timeline).value,
        };
        return [{ event: 'fragments', data: fragments }];
      }
      const view = (readOnly ? presentSharedSession : presentSession)(session, deps.serverSecret) as unknown as SessionView;
      const fragments = {
        'session-facts': sessionFacts({ session: view, summary, faults: describeFaults(session.options, deps.config) }).value,
        'error-banner': errorBanner(summary).value,
        issued: issuedSection(issued, readOnly ? undefined : ctx, sessionId).value,
        timeline: timelineList(timeline).value,
      };
      return [{ event: 'fragments', data: fragments }];
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

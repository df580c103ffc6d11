import type { FastifyReply, FastifyRequest } from 'fastify';
import { eventRow, timelineList, type LogView } from '../../../dashboard/components.js';
import { groupByRequest, requestItem } from '../../../dashboard/request-log.js';
import type { Html } from '../../../dashboard/html.js';
import type { PageContext } from '../../../dashboard/layout.js';
import { errorBanner, sessionFacts, sessionPage, timelineOf, type SessionPageData, type SessionView } from '../../../dashboard/pages/session.js';
import { issuedSection, type IssuedView } from '../../../dashboard/pages/session-issued.js';
import { nearbyUnbound } from '../../attach-by-secret.js';
import { checksOfRequests } from './request-checks.js';
import { loadSessionSummary } from '../../../session-log/outcome.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import type { LogEntry } from '../../../store/store.js';
import { withinBytes } from '../../../session-log/log-bounds.js';
import { resumeAfter, streamSession, type SseMessage } from '../../sse.js';
import { mountPath, urlsFor } from '../../urls.js';
import QRCode from 'qrcode';
import { describeReachability } from '../../../config/reachability.js';
import { offerUrlOf } from '../../../protocol/oid4vci/offer.js';
import { presentEvent, presentIssuedCredential, presentLog, presentPresentationRequest, presentSession, presentSharedLog, presentSharedSession } from '../admin/presenters.js';
import { describeFaults } from '../../../protocol/faults/offer-faults.js';
import { presentationResultView, verificationFacts, verificationSessionPage, type VerificationSessionView } from '../../../dashboard/pages/verification.js';
import type { SessionRecord } from '../../../store/store.js';

/**
 * The session page and its live stream, shared by the signed-in dashboard and read-only
 * share links. A shared view never shows client addresses.
 */

/** Newest entries on the page: 500 rows, and no more than VIEW_BYTES of them (withinBytes). */
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
  deps: Pick<IssuerDeps, 'store' | 'configurations' | 'config' | 'serverSecret' | 'keys' | 'verifier' | 'clock'>,
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
      logs: withinBytes(logs.items.map(present)).items as unknown as LogView[],
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
  // Not on a share link: unbound requests are not the session's, only maybe its wallet's.
  const nearby = opts.readOnly ? [] : nearbyUnbound((await deps.store.logs.list(null, { level: ['debug'], limit: 500, offset: 0, order: 'desc' })).items, allForTimeline.items, session.createdAt);
  const eventViews = events.items.map(presentEvent) as never[];
  const sampleClaims = Object.fromEntries(
    session.credentialConfigurationIds.map((id) => [id, deps.configurations.byId.get(id)?.issuance.sample_claims ?? {}]),
  );
  const data: SessionPageData = {
    session: (opts.readOnly ? presentSharedSession : presentSession)(session, deps.serverSecret) as unknown as SessionView,
    logs: withinBytes(logs.items.map(present)).items as unknown as LogView[],
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
    nearbyUnbound: nearby.slice(0, 20).map(presentLog) as unknown as LogView[],
    checks: await checksOfRequests(deps, logs.items),
    offer: opts.readOnly ? undefined : await offerOf(deps, session),
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
  deps: Pick<IssuerDeps, 'store' | 'config' | 'serverSecret' | 'configurations' | 'keys' | 'verifier'>,
  request: FastifyRequest,
  reply: FastifyReply,
  sessionId: string,
  share: { tokenHash: string; endsInMs: number } | null,
  ctx?: PageContext,
) {
  const readOnly = share !== null;
  const present = readOnly ? presentSharedLog : presentLog;
  const base = ctx?.base ?? mountPath(deps.config);
  await streamSession(deps.store, request, reply, sessionId, {
    scope: { limits: deps.config.hardening.streams, sessionId, shareLink: share?.tokenHash },
    endsInMs: share?.endsInMs,
    formatKey: share ? 'share' : 'page',
    after: resumeAfter(request),
    // Log entries go out grouped by request, after the change (below).
    format: (item) => (item.kind === 'log' ? [] : [{ event: 'event', id: item.entry.id, data: eventRow(presentEvent(item.entry) as never).value }]),
    afterChange: (change) => requestMessages(deps, base, sessionId, change.logs, present, true),
    afterChangeKey: `${readOnly ? 'share' : 'page'}:${sessionId}`,
    summary: {
      // Share links all see the same page; a signed-in page carries its own CSRF token in the forms.
      key: readOnly ? `share:${sessionId}` : `page:${sessionId}:${ctx?.csrf ?? ''}`,
      touchedBy: (change) =>
        change.logs.some((l) => l.sessionId === sessionId) ||
        change.events.some((e) => e.sessionId === sessionId) ||
        change.transitions.some((t) => t.sessionId === sessionId) ||
        Boolean(change.rebound?.some((r) => r.sessionId === sessionId)),
      render: async () => {
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
    },
  });
}

/** Unbound request logs, live, as HTML entries. */
export async function streamUnbound(deps: Pick<IssuerDeps, 'store' | 'config' | 'configurations' | 'keys' | 'verifier'>, request: FastifyRequest, reply: FastifyReply) {
  const base = mountPath(deps.config);
  await streamSession(deps.store, request, reply, null, {
    scope: { limits: deps.config.hardening.streams },
    formatKey: 'unbound',
    after: resumeAfter(request),
    format: () => [],
    afterChange: (change) => requestMessages(deps, base, null, change.logs, presentLog),
    afterChangeKey: 'unbound',
  });
}

/** Entries a request writes after its own commit (the self-check) are that far back at most. */
const RECENT_FOR_GROUPS = 200;

/**
 * One `request` message per request the change touched, rendered from all of that request's
 * entries (a later self-check entry, or a nonce request adopted by the session, re-renders the
 * whole item); its id is the group's newest entry id.
 */
async function requestMessages(
  deps: Pick<IssuerDeps, 'store' | 'config' | 'configurations' | 'keys' | 'verifier'>,
  base: string,
  sessionId: string | null,
  logs: readonly LogEntry[],
  present: (l: LogEntry) => Record<string, unknown>,
  withChecks = false,
): Promise<SseMessage[]> {
  const touched = new Set(logs.filter((l) => l.sessionId === sessionId).map((l) => l.requestId ?? l.id));
  if (touched.size === 0) return [];
  const recent = await deps.store.logs.list(sessionId, { limit: RECENT_FOR_GROUPS, offset: 0, order: 'desc' });
  const mine = recent.items.filter((l) => touched.has(l.requestId ?? l.id));
  const checks = withChecks ? await checksOfRequests(deps, mine) : undefined;
  return groupByRequest(mine.map(present) as unknown as LogView[])
    .reverse()
    .map((g) => ({ event: 'request', id: g.newestId, data: requestItem(base, g, [], checks).value }));
}

/** States in which the offer still hands out its grant: a wallet can (re)scan it. */
const OFFER_LIVE = new Set(['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted']);

async function offerOf(deps: Pick<IssuerDeps, 'config' | 'clock'>, session: SessionRecord) {
  if (!OFFER_LIVE.has(session.state) || deps.clock.nowMs() >= session.offerExpiresAt) return undefined;
  const urls = urlsFor(deps.config);
  const offerUrl = offerUrlOf(urls, session);
  return { offer_url: offerUrl, qrSvg: await QRCode.toString(offerUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }), reach: describeReachability(urls.issuer), open: session.state === 'offer_created' };
}

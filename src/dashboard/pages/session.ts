import type { SessionSummary } from '../../session-log/outcome.js';
import { offerBlock } from './offer.js';
import { logFilters, requestLog, type ChecksByRequest } from '../request-log.js';
import { buildTimeline, diagnosticCounts, eventRow, outcomeBadge, timeMs, stateBadge, time, timelineList, walletLabel, type EventView, type LogView, type TimelineStep } from '../components.js';
import { html, jsonScript, raw, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';
import type { FaultView } from '../../protocol/faults/offer-faults.js';
import { faultList, issuedSection, referenceWalletForm, type IssuedView } from './session-issued.js';

export interface SessionView {
  session_id: string;
  state: string;
  grant_type: string;
  credential_configuration_ids: string[];
  created_at: string;
  offer_expires_at: string;
  offer_fetches: number;
  options: { deferred: boolean; claims_supplied_for: string[]; tx_code: unknown };
}

export interface SessionPageData {
  session: SessionView;
  /** Newest first. */
  logs: LogView[];
  logTotal: number;
  /** Newest first. */
  events: EventView[];
  timeline: TimelineStep[];
  /** Sample claims per configuration of the session, to pre-fill Supply Claims. */
  sampleClaims: Record<string, unknown>;
  /** Read-only view (share link): no forms, no exports. */
  readOnly: boolean;
  streamUrl: string;
  flash?: { kind: 'ok' | 'error'; text: string; problems?: string[] };
  shareUrl?: { url: string; expires_at: string };
  /** Fault switches and strict mode in effect; issued credentials with their self-check. */
  faults?: FaultView[];
  issued?: IssuedView[];
  summary: SessionSummary;
  /** Unbound requests from this session's client around its time (newest first). */
  nearbyUnbound?: LogView[];
  /** While the offer can still be redeemed (signed in only): its deep link and QR code. */
  offer?: Parameters<typeof offerBlock>[0];
  /** The inspector's checks of each request's artefacts, by request id. */
  checks?: ChecksByRequest;
}

const EVENT_LABELS: Record<string, string> = { offer_created: 'offer created', claims_supplied: 'claims supplied' };

/** Timeline items from request log entries (endpoint and status) and the operator's events. */
export function timelineOf(logs: LogView[], events: EventView[]): TimelineStep[] {
  const requests = logs
    .filter((l) => l.level === 'debug' && typeof l.data?.method === 'string' && typeof l.data?.path === 'string')
    .map((l) => ({ id: l.id, label: l.endpoint, status: typeof l.data?.status === 'number' ? l.data.status : undefined, kind: 'request' as const }));
  const operator = events.filter((e) => EVENT_LABELS[e.type]).map((e) => ({ id: e.id, label: EVENT_LABELS[e.type], kind: 'event' as const }));
  return buildTimeline([...requests, ...operator]);
}

export function sessionPage(ctx: PageContext, d: SessionPageData): Html {
  const s = d.session;
  const body = html`
  ${sessionHead(ctx, d, 'issuance', sessionFacts(d), referenceWalletForm(ctx, s.session_id, (d.faults ?? []).some((f) => f.scope === 'offer')))}

  ${d.offer ? offerBlock(d.offer) : ''}
  ${nearbySection(ctx, d.nearbyUnbound ?? [])}

  <div id="issued">${issuedSection(d.issued ?? [], d.readOnly ? undefined : ctx, s.session_id)}</div>

  ${d.readOnly ? '' : supplyClaimsForm(ctx, d)}

  ${sessionActivity(ctx, d)}`;
  return layout(ctx, `Session ${s.session_id}`, body, { script: true });
}

/** The share link just created, or the outcome of a form (both session kinds). */
/**
 * The head of a session page, issuance or verification: banner, facts, actions, notices and the
 * timeline, under the element ids the live stream replaces (error-banner, session-facts, timeline).
 */
export function sessionHead(
  ctx: PageContext,
  d: Pick<SessionPageData, 'readOnly' | 'summary' | 'timeline' | 'shareUrl' | 'flash'> & { session: { session_id: string } },
  kind: 'issuance' | 'verification',
  facts: Html,
  actionForm: Html,
): Html {
  return html`
  <section class="session-head">
    <h1>Session detail</h1>
    <p class="muted">Inspect a single ${kind} session${d.readOnly ? ' (read-only shared view)' : ''}</p>
    <div id="error-banner">${errorBanner(d.summary)}</div>
    <dl class="facts" id="session-facts">${facts}</dl>
    ${d.readOnly ? '' : sessionActions(ctx, d.session.session_id, actionForm)}
    ${sessionNotices(d)}
  </section>

  <section>
    <h2>Timeline</h2>
    <div id="timeline">${timelineList(d.timeline)}</div>
  </section>`;
}

export function sessionNotices(d: Pick<SessionPageData, 'shareUrl' | 'flash'>): Html {
  return html`${d.shareUrl ? html`<p class="flash ok" data-testid="share-url">Read-only link (expires ${time(d.shareUrl.expires_at)}): <a href="${d.shareUrl.url}">${d.shareUrl.url}</a></p>` : ''}
    ${d.flash ? html`<div class="flash ${d.flash.kind}" data-testid="flash">${d.flash.text}${d.flash.problems?.length ? html`<ul>${d.flash.problems.map((p) => html`<li>${p}</li>`)}</ul>` : ''}</div>` : ''}`;
}

/** Logs, events and the live stream anchor: the same on issuance and verification session pages. */
export function sessionActivity(ctx: PageContext, d: Pick<SessionPageData, 'logs' | 'logTotal' | 'events' | 'streamUrl' | 'checks'>): Html {
  return html`<section>
    <h2>Session Logs <span class="count" id="log-count" data-testid="log-count">${d.logTotal}</span> <span class="muted small">total, newest first</span></h2>
    <p class="muted small">One item per request (its request, response, diagnostics and notes); repeats of the same request and answer are folded.</p>
    ${logFilters()}
    <ol class="logs" id="logs">${requestLog(ctx.base, d.logs, d.checks)}</ol>
    ${d.logTotal > d.logs.length ? html`<p class="muted">Showing the newest ${d.logs.length}; the export has all ${d.logTotal}.</p>` : ''}
  </section>

  <section>
    <h2>Events <span class="count" id="event-count">${d.events.length}</span></h2>
    <table class="events"><thead><tr><th>Type</th><th>Timestamp</th><th>Details</th></tr></thead>
    <tbody id="events">${d.events.map(eventRow)}</tbody></table>
  </section>
  <div id="live" data-stream="${d.streamUrl}" data-after="${[...d.logs.map((l) => l.id), ...d.events.map((e) => e.id)].sort().pop() ?? ''}" hidden></div>`;
}

/** Export and share, the same for issuance and verification sessions (signed-in view only). */
export function sessionActions(ctx: PageContext, sessionId: string, extra: Html = html``): Html {
  const b = ctx.base;
  return html`<div class="actions">
      <a href="${b}/ui/sessions/${sessionId}/export?format=json" download>Export JSON</a>
      <a href="${b}/ui/sessions/${sessionId}/export?format=har" download>Export HAR</a>
      <form method="post" action="${b}/ui/sessions/${sessionId}/share" class="inline">
        <input type="hidden" name="csrf" value="${ctx.csrf}">
        <select name="expires_in" aria-label="Share link lifetime"><option value="3600">1 hour</option><option value="86400" selected>1 day</option><option value="604800">7 days</option></select>
        <button type="submit">Create read-only share link</button>
      </form>
      ${extra}
    </div>`;
}

function nearbySection(ctx: PageContext, entries: LogView[]): Html {
  if (entries.length === 0) return html``;
  return html`<section data-testid="nearby-unbound">
    <h2>Unbound requests from the same client <span class="count">${entries.length}</span></h2>
    <p class="muted small">Same User-Agent (or client address), from a minute before this session to ten minutes after its last request, carrying none of its secrets:
      often the wallet's first, broken attempt.</p>
    <ul class="small">${entries.map((l) => html`<li><time>${timeMs(l.timestamp)}</time> ${String(l.data?.method ?? '')} <b>${l.endpoint}</b> <span class="status ${Number(l.data?.status) >= 400 ? 'status-4xx' : ''}">${String(l.data?.status ?? '')}</span>
      <a href="${ctx.base}/ui/unbound?q=${encodeURIComponent(l.request_id ?? '')}" data-testid="nearby-link">${l.request_id}</a></li>`)}</ul>
  </section>`;
}

/** The header facts: rendered with the page and again, live, after every change of the session. */
export function sessionFacts(d: Pick<SessionPageData, 'session' | 'summary' | 'faults'>): Html {
  const s = d.session;
  return html`
      <dt>Session</dt><dd><code data-testid="session-id">${s.session_id}</code></dd>
      <dt>Outcome</dt><dd>${outcomeBadge(d.summary)} ${diagnosticCounts(d.summary)}</dd>
      <dt>State</dt><dd id="session-state">${stateBadge(s.state)}</dd>
      <dt>Wallet</dt><dd>${walletLabel(d.summary)}</dd>
      <dt>Grant type</dt><dd>${s.grant_type}</dd>
      <dt>Configurations</dt><dd>${s.credential_configuration_ids.map((id) => html`<code>${id}</code> `)}</dd>
      <dt>Created</dt><dd>${time(s.created_at)}</dd>
      <dt>Offer expires</dt><dd>${time(s.offer_expires_at)} (fetched <span data-testid="offer-fetches">${s.offer_fetches}</span>×)</dd>
      <dt>Options</dt><dd>${s.options.deferred ? 'deferred issuance · ' : ''}${s.options.tx_code ? 'tx_code · ' : ''}claims supplied for: ${s.options.claims_supplied_for.join(', ') || 'none (sample claims)'}</dd>
      <dt>Fault switches</dt><dd>${faultList(d.faults ?? [])}</dd>`;
}

/** The last error, on top: red while it is what stopped the wallet, amber once the session went on. */
export function errorBanner(summary: SessionSummary): Html {
  const e = summary.last_error;
  if (!e) return html``;
  const stopped = summary.outcome === 'refused';
  return html`<div class="banner ${stopped ? 'banner-error' : 'banner-warn'}" data-testid="error-banner">
    <b>${stopped ? summary.label : 'Last error'}</b> at <code>${e.endpoint}</code>: ${e.reason}${e.code ? html` <code class="code">${e.code}</code>` : ''}
    <a href="#log-${e.id}" data-testid="error-link">show the entry</a>${stopped ? '' : html` <span class="muted small">(the session went on after it)</span>`}
  </div>`;
}

function supplyClaimsForm(ctx: PageContext, d: SessionPageData): Html {
  const s = d.session;
  const first = s.credential_configuration_ids[0];
  // Open for deferred sessions, where the wallet waits for it; folded away otherwise.
  return html`<section class="supply-claims"><details ${s.options.deferred ? raw('open') : ''}>
    <summary><h2>Supply Claims</h2></summary>
    <p class="muted">Submit claims for a credential configuration in this session (for deferred issuance, OID4VCI 1.0 §9).
    ${s.options.deferred ? 'The wallet gets its credential at its next poll of the deferred endpoint.' : 'This session is not deferred: supplied claims apply to credentials issued from now on.'}</p>
    <form method="post" action="${ctx.base}/ui/sessions/${s.session_id}/claims" id="claims-form">
      <input type="hidden" name="csrf" value="${ctx.csrf}">
      <label>Configuration <select name="credential_configuration_id" id="claims-configuration">
        ${s.credential_configuration_ids.map((id) => html`<option value="${id}">${id}</option>`)}
      </select></label>
      <textarea name="claims" id="claims-json" rows="14" spellcheck="false">${JSON.stringify(d.sampleClaims[first] ?? {}, null, 2)}</textarea>
      <p class="muted small" id="claims-json-status"></p>
      <button type="submit">Supply claims</button>
    </form>
    ${jsonScript('sample-claims', d.sampleClaims)}
  </details></section>`;
}


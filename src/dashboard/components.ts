import type { SessionSummary } from '../session-log/outcome.js';
import { html, type Html } from './html.js';

/** Building blocks shared by the pages and by the live (SSE) fragments, so both render alike. */

export interface LogView {
  id: string;
  timestamp: string;
  level: string;
  endpoint: string;
  request_id: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

export interface EventView {
  id: string;
  type: string;
  timestamp: string;
  details: Record<string, unknown> | null;
}

export const time = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
/** With milliseconds: requests of one flow are often within the same second. */
export const timeMs = (iso: string) => iso.replace('T', ' ').replace(/Z$/, ' UTC');

/** Outcome label, coloured: green succeeded, red refused, grey in progress, amber expired/ended. */
export function outcomeBadge(s: SessionSummary): Html {
  return html`<span class="outcome outcome-${s.outcome}" data-testid="outcome" data-outcome="${s.outcome}">${s.label}</span>`;
}

export function diagnosticCounts(s: SessionSummary): Html {
  return html`<span class="diag-counts" data-testid="diag-counts"><span class="${s.errors ? 'error-text' : 'muted'}" data-testid="error-count" data-count="${s.errors}">${s.errors} error${s.errors === 1 ? '' : 's'}</span>
    · <span class="${s.warnings ? 'warn-text' : 'muted'}" data-testid="warning-count" data-count="${s.warnings}">${s.warnings} warning${s.warnings === 1 ? '' : 's'}</span></span>`;
}

export function walletLabel(s: SessionSummary): Html {
  if (!s.wallet) return html`<span class="muted" data-testid="wallet">no wallet request yet</span>`;
  return html`<span data-testid="wallet"><code class="break">${s.wallet.user_agent}</code> <span class="muted small">OID4VCI ${s.wallet.draft}</span></span>`;
}

export function stateBadge(state: string): Html {
  return html`<span class="state state-${state}" data-testid="session-state">${state}</span>`;
}

/** "OID4VCI 1.0 §8.3.1.2" / "OID4VP 1.0 Appendix B.3.6" / "RFC 6750 §3" → a link to the section. */
export function specUrl(ref: string): string | undefined {
  const openid = /^(OID4VCI|OID4VP) 1\.0 (?:§([\d.]+)|Appendix ([A-Z](?:\.[\d.]+)?))$/.exec(ref);
  if (openid) {
    const anchor = openid[2] ? `section-${openid[2]}` : `appendix-${openid[3]}`;
    const doc = openid[1] === 'OID4VCI' ? 'openid-4-verifiable-credential-issuance-1_0' : 'openid-4-verifiable-presentations-1_0';
    return `https://openid.net/specs/${doc}.html#${anchor}`;
  }
  const rfc = /^RFC (\d+) §([\d.]+)$/.exec(ref);
  if (rfc) return `https://www.rfc-editor.org/rfc/rfc${rfc[1]}#section-${rfc[2]}`;
  return undefined;
}

export function specLink(ref: unknown, testid = 'spec-ref'): Html {
  if (typeof ref !== 'string') return html``;
  const url = specUrl(ref);
  return url
    ? html`<a class="spec" href="${url}" target="_blank" rel="noreferrer" data-testid="${testid}">${ref}</a>`
    : html`<span class="spec" data-testid="${testid}">${ref}</span>`;
}

export function jsonBlock(value: unknown): Html {
  return html`<pre class="json">${JSON.stringify(value, null, 2)}</pre>`;
}

export function eventRow(e: EventView): Html {
  return html`<tr data-id="${e.id}" data-testid="event-row"><td class="event-type">${e.type}</td><td>${time(e.timestamp)}</td><td>${e.details ? jsonBlock(e.details) : html`<span class="muted">none</span>`}</td></tr>`;
}

export interface TimelineStep {
  label: string;
  status?: number;
  count: number;
  kind: 'request' | 'event';
}

/**
 * The lifecycle at a glance: requests (by endpoint and status) and operator events in order,
 * with repeats (offer fetches, deferred polls) collapsed into one step with a count.
 */
export function buildTimeline(items: { id: string; label: string; status?: number; kind: 'request' | 'event' }[]): TimelineStep[] {
  const steps: TimelineStep[] = [];
  for (const item of [...items].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const last = steps[steps.length - 1];
    if (last && last.label === item.label && last.status === item.status && last.kind === item.kind) last.count++;
    else steps.push({ label: item.label, status: item.status, count: 1, kind: item.kind });
  }
  return steps;
}

export function timelineList(steps: TimelineStep[]): Html {
  if (steps.length === 0) return html`<p class="muted">Nothing has happened yet.</p>`;
  return html`<ol class="timeline">${steps.map(
    (s) => html`<li class="step ${s.kind} ${s.status !== undefined && s.status >= 400 ? 'failed' : ''}" data-testid="timeline-step">
      <span class="step-label">${s.label}</span> ${s.status !== undefined ? html`<span class="status">${s.status}</span>` : ''} ${s.count > 1 ? html`<span class="count">×${s.count}</span>` : ''}
    </li>`,
  )}</ol>`;
}

import type { SessionSummary } from '../../session-log/outcome.js';
import { diagnosticCounts, outcomeBadge, stateBadge, time, walletLabel } from '../components.js';
import { html, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export interface SessionRowView {
  session_id: string;
  /** Verification sessions (OpenID4VP) have a client_id instead of a grant and configurations. */
  kind?: 'issuance' | 'presentation';
  client_id?: string;
  state: string;
  grant_type: string;
  credential_configuration_ids: string[];
  created_at: string;
  options: { deferred: boolean };
  summary: SessionSummary;
}

export interface SessionsFilter {
  state?: string;
  credential_configuration_id?: string;
  created_after?: string;
  created_before?: string;
  with_errors?: boolean;
  limit: number;
  offset: number;
}

export function sessionRows(ctx: PageContext, rows: SessionRowView[]): Html {
  if (rows.length === 0) return html`<tr><td colspan="5" class="muted">No sessions match. Create an offer to start one.</td></tr>`;
  return html`${rows.map(
    (s) => html`<tr data-testid="session-row" data-session="${s.session_id}" data-outcome="${s.summary.outcome}">
      <td><a href="${ctx.base}/ui/sessions/${s.session_id}"><code>${s.session_id.slice(0, 14)}…</code></a><div class="small muted">${time(s.created_at)}</div></td>
      <td>${outcomeBadge(s.summary)}<div class="small">${stateBadge(s.state)}</div></td>
      <td>${diagnosticCounts(s.summary)}${s.summary.last_error ? html`<div class="small last-error" data-testid="last-error"><code class="code">${s.summary.last_error.code ?? ''}</code> ${s.summary.last_error.reason}</div>` : ''}</td>
      <td class="small">${walletLabel(s.summary)}</td>
      ${s.kind === 'presentation'
        ? html`<td class="small">presentation<div class="muted break">${s.client_id ?? ''}</div></td>`
        : html`<td class="small">${(s.credential_configuration_ids ?? []).join(', ')}<div class="muted">${s.grant_type ?? ''}${s.options?.deferred ? ' (deferred)' : ''}</div></td>`}
    </tr>`,
  )}`;
}

export function sessionsPage(
  ctx: PageContext,
  d: { rows: SessionRowView[]; total: number; filter: SessionsFilter; states: readonly string[]; configurations: string[] },
): Html {
  const f = d.filter;
  const query = (offset: number) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...f, offset })) if (v !== undefined && v !== '') p.set(k, String(v));
    return `?${p}`;
  };
  const local = (iso?: string) => (iso ? iso.slice(0, 16) : '');
  const body = html`
  <h1>Sessions <span class="count">${d.total}</span></h1>
  <form method="get" action="${ctx.base}/" class="filters" id="session-filter">
    <label>State <select name="state"><option value="">any</option>${d.states.map((s) => html`<option value="${s}" ${s === f.state ? 'selected' : ''}>${s}</option>`)}</select></label>
    <label>Configuration <select name="credential_configuration_id"><option value="">any</option>${d.configurations.map((c) => html`<option value="${c}" ${c === f.credential_configuration_id ? 'selected' : ''}>${c}</option>`)}</select></label>
    <label>Created after <input type="datetime-local" name="created_after" value="${local(f.created_after)}"></label>
    <label>Created before <input type="datetime-local" name="created_before" value="${local(f.created_before)}"></label>
    <label><input type="checkbox" name="with_errors" value="true" data-testid="with-errors" ${f.with_errors ? 'checked' : ''}> with errors</label>
    <button type="submit">Filter</button>
  </form>
  <div class="table-wrap"><table class="sessions"><thead><tr><th>Session</th><th>Outcome</th><th>Diagnostics · last error</th><th>Wallet</th><th>Configurations</th></tr></thead>
  <tbody id="session-rows" data-rows="${ctx.base}/ui/sessions/rows${query(f.offset)}">${sessionRows(ctx, d.rows)}</tbody></table></div>
  <p class="pager">
    ${f.offset > 0 ? html`<a href="${query(Math.max(0, f.offset - f.limit))}">← newer</a>` : ''}
    <span class="muted">${d.total === 0 ? 0 : f.offset + 1}–${Math.min(f.offset + f.limit, d.total)} of ${d.total}</span>
    ${f.offset + f.limit < d.total ? html`<a href="${query(f.offset + f.limit)}">older →</a>` : ''}
  </p>
  <div id="live-list" data-stream="${ctx.base}/ui/sessions/stream" hidden></div>`;
  return layout(ctx, 'Sessions', body, { script: true });
}

import type { MatrixRow, MatrixStep } from '../../session-log/compatibility.js';
import type { PlanResultRow } from '../../test-plans/plan-results.js';
import { time } from '../components.js';
import { html, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

/** Wallet compatibility matrix: one row per wallet and draft, one column per protocol step. */
export function compatibilityPage(ctx: PageContext, d: { rows: MatrixRow[]; steps: readonly MatrixStep[]; sessionsConsidered: number; limit: number; planResults: readonly PlanResultRow[] }): Html {
  const b = ctx.base;
  const used = d.steps.filter((s) => d.rows.some((r) => r.steps[s].passed + r.steps[s].failed > 0));
  const body = html`<section>
    <h1>Wallet compatibility</h1>
    <p class="muted">From the ${d.sessionsConsidered} newest sessions (<a href="${b}/ui/compatibility?limit=${d.limit * 2}">read more</a>): each wallet by the User-Agent of its token request and the
      oldest OID4VCI draft its request shapes showed (docs/drafts.md), against the steps it got through.
      A cell counts sessions: <span class="cell-pass">passed</span> at least once, <span class="cell-fail">failed</span> every time; failure codes are listed below the counts.
      Also as JSON: <code>GET /compatibility</code> (admin API).</p>
    ${d.rows.length === 0
      ? html`<p class="muted" data-testid="matrix-empty">No wallet has made a request yet.</p>`
      : html`<div class="matrix-wrap"><table class="matrix" data-testid="compatibility-matrix">
      <thead><tr><th>Wallet (User-Agent)</th><th>Draft</th><th>Sessions</th><th>Issued</th>${used.map((s) => html`<th>${s}</th>`)}<th>Last seen</th></tr></thead>
      <tbody>${d.rows.map((r) => row(ctx, r, used))}</tbody></table></div>`}
    <h2>Test plan results</h2>
    ${d.planResults.length === 0
      ? html`<p class="muted" data-testid="plan-results-empty">No wallet has worked through a test plan run yet (<a href="${b}/ui/test_plans">Test your wallet</a>).</p>`
      : html`<div class="matrix-wrap"><table class="matrix" data-testid="plan-results">
      <thead><tr><th>Wallet (User-Agent)</th><th>Draft</th><th>Plan</th><th>Runs</th><th>Cases</th><th>Last run</th></tr></thead>
      <tbody>${d.planResults.map((p) => html`<tr data-testid="plan-result" data-wallet="${p.wallet}" data-plan="${p.plan_id}">
        <td class="break"><code>${p.wallet}</code></td><td>${p.draft}</td><td>${p.plan_id} <span class="small muted">v${p.plan_version}</span></td><td>${p.runs}</td>
        <td><span class="cell-pass">✓ ${p.cases.pass}</span> <span class="cell-fail">✗ ${p.cases.fail}</span> ${p.cases.warning ? html`⚠ ${p.cases.warning} ` : ''}${p.cases.not_reached ? html`<span class="muted">· ${p.cases.not_reached} not reached</span>` : ''}</td>
        <td class="small"><a href="${b}/ui/test_plan_runs/${p.last_run_id}">${time(p.last_run_at)}</a></td>
      </tr>`)}</tbody></table></div>`}
  </section>`;
  return layout(ctx, 'Wallet compatibility', body);
}

function row(ctx: PageContext, r: MatrixRow, steps: readonly MatrixStep[]): Html {
  return html`<tr data-testid="matrix-row" data-wallet="${r.wallet}" data-draft="${r.draft}">
    <td class="break"><code>${r.wallet}</code><div class="small">${r.recent_sessions.map((id) => html`<a href="${ctx.base}/ui/sessions/${id}">${id.slice(0, 12)}…</a> `)}</div></td>
    <td>${r.draft}</td><td>${r.sessions}</td><td>${r.issued}</td>
    ${steps.map((s) => cell(r.steps[s], s))}
    <td class="small">${time(r.last_seen)}</td>
  </tr>`;
}

function cell(c: MatrixRow['steps'][MatrixStep], step: string): Html {
  if (c.passed + c.failed === 0) return html`<td class="muted" data-step="${step}">–</td>`;
  const codes = Object.entries(c.codes).sort((a, b) => b[1] - a[1]);
  return html`<td data-step="${step}" data-passed="${c.passed}" data-failed="${c.failed}">
    ${c.passed ? html`<span class="cell-pass">✓ ${c.passed}</span> ` : ''}${c.failed ? html`<span class="cell-fail">✗ ${c.failed}</span>` : ''}
    ${codes.length ? html`<div class="small">${codes.map(([code, n]) => html`<code class="code">${code}${n > 1 ? ` ×${n}` : ''}</code> `)}</div>` : ''}
  </td>`;
}

import type { RunReport } from '../../test-plans/runs.js';
import type { Verdict } from '../../test-plans/judge.js';
import { specLink, stateBadge } from '../components.js';
import { html, raw, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export interface PlanView {
  plan_id: string;
  name: string;
  version: string;
  description?: string;
  cases: { case_id: string; title: string }[];
}

/** The plans, each with a button that starts a run. */
export function testPlansPage(ctx: PageContext, plans: readonly PlanView[]): Html {
  const b = ctx.base;
  const body = html`<section>
    <h1>Test your wallet</h1>
    <p class="muted">A run creates one offer per case; scan them in order with your wallet. Each case is judged from what your wallet sent
      (its session log and events), with the requirement it checks and the log entries as evidence. Plan files: docs/test-plans.md.</p>
    ${plans.map((p) => html`<article class="card" data-testid="test-plan" data-plan="${p.plan_id}">
      <h2>${p.name} <span class="muted small">${p.plan_id} · version ${p.version}</span></h2>
      ${p.description ? html`<p>${p.description}</p>` : ''}
      <ol class="small">${p.cases.map((c) => html`<li>${c.title}</li>`)}</ol>
      <form method="post" action="${b}/ui/test_plans/${p.plan_id}/runs">
        <input type="hidden" name="csrf" value="${ctx.csrf ?? ''}">
        <button type="submit" data-testid="start-run">Start a run</button>
      </form>
    </article>`)}
  </section>`;
  return layout(ctx, 'Test your wallet', body);
}

export interface CaseLinks {
  offer_url: string;
  qr_svg?: string;
  tx_code?: string;
}

/**
 * A run: summary, then each case as a checklist item with its verdict and expectations. Signed
 * in, an unfinished case shows its QR code, deep link and tx_code; the read-only report (share
 * link) shows none of them. While the run is running the page reloads itself every few seconds.
 */
export function testPlanRunPage(ctx: PageContext, run: RunReport, opts: { readOnly: boolean; links?: Record<string, CaseLinks>; runUrl?: string; shareUrl?: string; /** Where the page reloads itself from while the run is running; absent: it does not. */ followUrl?: string; pageUrl?: string; /** One case at a time: only the first case still to do shows its offer. */ sequence?: boolean }): Html {
  const b = ctx.base;
  const sessionHref = (sessionId: string, entry?: string) => (opts.readOnly ? undefined : `${b}/ui/sessions/${sessionId}${entry ? `#log-${entry}` : ''}`);
  const s = run.summary;
  const body = html`<section data-testid="test-plan-run" data-run="${run.run_id}" data-state="${run.state}">
    <h1>${run.plan_name} <span class="muted small">run ${run.run_id} · plan version ${run.plan_version}</span></h1>
    <p data-testid="run-summary"><span class="badge" data-testid="run-state">${run.state}</span>
      <span class="cell-pass">${s.pass} pass</span> · <span class="cell-fail">${s.fail} fail</span> · ${s.warning} warning · ${s.not_reached} not reached
      ${run.wallets.length ? html`<br><span class="small muted">Wallets: ${run.wallets.map((w) => html`<code>${w}</code> `)}</span>` : ''}</p>
    ${opts.runUrl ? html`<p class="notice" data-testid="run-url">Run link for a wallet (every offer and tx_code; shown once): <code class="break">${opts.runUrl}</code><br>
      <span class="small">The reference wallet: <code>npm run wallet -- plan '${opts.runUrl}'</code></span></p>` : ''}
    ${opts.shareUrl ? html`<p class="notice" data-testid="share-url">Read-only report link: <a href="${opts.shareUrl}">${opts.shareUrl}</a></p>` : ''}
    ${!opts.readOnly
      ? html`<p><a href="${b}/ui/test_plan_runs/${run.run_id}/export" data-testid="export-run">Export JSON</a>
        <form method="post" action="${b}/ui/test_plan_runs/${run.run_id}/share" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf ?? ''}"><button type="submit" class="link" data-testid="share-run">Share report (read-only link)</button></form></p>`
      : ''}
    ${run.state === 'running'
      ? opts.followUrl
        ? html`<p class="small muted" data-testid="following">Verdicts follow the wallet: this page reloads every 3 seconds until every case is judged${opts.pageUrl ? html` (<a href="${opts.pageUrl}?follow=0">stop</a>)` : ''}.</p>`
        : html`<p class="small muted">${opts.pageUrl ? html`<a href="${opts.pageUrl}" data-testid="follow">Follow the verdicts live</a>` : 'Reload to see new verdicts.'}</p>`
      : ''}
    ${!opts.readOnly && opts.pageUrl
      ? html`<p class="small">${opts.sequence
          ? html`One case at a time: the next case's offer appears when this one is judged. <a href="${opts.pageUrl}" data-testid="all-cases">Show every offer</a>`
          : html`<a href="${opts.pageUrl}?sequence=1" data-testid="one-at-a-time">One case at a time</a>`}</p>`
      : ''}
    <ol class="checklist">${run.cases.map((c) => {
      const links = opts.links?.[c.case_id];
      const current = run.cases.find((x) => x.verdict === 'not_reached')?.case_id;
      const open = !opts.readOnly && links && c.verdict === 'not_reached' && (!opts.sequence || c.case_id === current);
      return html`<li class="card" data-testid="run-case" data-case="${c.case_id}" data-verdict="${c.verdict}">
        <h2>${verdictBadge(c.verdict)} ${c.title} <span class="muted small">${c.case_id}</span></h2>
        <p class="small">Session ${linkOrText(sessionHref(c.session_id), c.session_id)} ${c.session_state ? stateBadge(c.session_state) : html`<span class="muted">(gone)</span>`}</p>
        ${open ? html`<div class="offer-qr" data-testid="case-qr">${raw(links.qr_svg ?? '')}</div>
          <p class="small"><a href="${links.offer_url}" class="break" data-testid="case-offer-url">${links.offer_url}</a>
          ${links.tx_code ? html`<br>Transaction code: <code data-testid="case-tx-code">${links.tx_code}</code>` : ''}</p>`
          : opts.sequence && c.verdict === 'not_reached' && !opts.readOnly ? html`<p class="small muted" data-testid="case-waiting">Its offer appears when the previous case is judged.</p>` : ''}
        <table class="expectations"><thead><tr><th>Expectation</th><th>Requirement</th><th>Verdict</th><th>Evidence</th></tr></thead><tbody>
        ${c.expectations.map((x) => html`<tr data-testid="expectation" data-expectation="${x.id}" data-verdict="${x.verdict}">
          <td><code>${x.id}</code><div class="small">${x.detail}</div></td>
          <td>${specLink(x.requirement)}</td>
          <td>${verdictBadge(x.verdict)}</td>
          <td class="small">${x.evidence.map((id) => html`${linkOrText(sessionHref(c.session_id, id), id.slice(-8))} `)}</td>
        </tr>`)}
        </tbody></table>
      </li>`;
    })}</ol>
  </section>`;
  return layout(ctx, `${run.plan_name} run`, body, run.state === 'running' && opts.followUrl ? { refresh: { seconds: 3, url: opts.followUrl } } : {});
}

function verdictBadge(v: Verdict): Html {
  const cls = v === 'pass' ? 'cell-pass' : v === 'fail' ? 'cell-fail' : 'muted';
  return html`<span class="${cls}" data-testid="verdict">${v.replace('_', ' ')}</span>`;
}

function linkOrText(href: string | undefined, text: string): Html {
  return href ? html`<a href="${href}">${text}</a>` : html`<code>${text}</code>`;
}

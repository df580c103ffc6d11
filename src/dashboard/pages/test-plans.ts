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
 * in, an unfinished case shows its QR code, deep link and tx_code, and the checklist follows the
 * wallet over the run's stream; the read-only report (share link) shows no offer and reloads
 * itself while the run is running.
 */
export interface RunPageOptions {
  readOnly: boolean;
  links?: Record<string, CaseLinks>;
  runUrl?: string;
  shareUrl?: string;
  /** The run's live stream (signed in): verdicts are replaced in place as the wallet works. */
  streamUrl?: string;
  /** Without a stream (the share link): where the page reloads itself from while the run is running. */
  followUrl?: string;
  pageUrl?: string;
  /** One case at a time: only the first case still to do shows its offer. */
  sequence?: boolean;
}

export function testPlanRunPage(ctx: PageContext, run: RunReport, opts: RunPageOptions): Html {
  const b = ctx.base;
  const body = html`<section data-testid="test-plan-run" data-run="${run.run_id}">
    <h1>${run.plan_name} <span class="muted small">run ${run.run_id} · plan version ${run.plan_version}</span></h1>
    ${opts.runUrl ? html`<p class="notice" data-testid="run-url">Run link for a wallet (every offer and tx_code; shown once): <code class="break">${opts.runUrl}</code><br>
      <span class="small">The reference wallet: <code>npm run wallet -- plan '${opts.runUrl}'</code></span></p>` : ''}
    ${opts.shareUrl ? html`<p class="notice" data-testid="share-url">Read-only report link: <a href="${opts.shareUrl}">${opts.shareUrl}</a></p>` : ''}
    ${!opts.readOnly
      ? html`<p><a href="${b}/ui/test_plan_runs/${run.run_id}/export" data-testid="export-run">Export JSON</a> · <a href="${b}/ui/test_plan_runs/${run.run_id}/export?format=html" data-testid="export-run-html">Export HTML</a>
        <form method="post" action="${b}/ui/test_plan_runs/${run.run_id}/share" class="inline"><input type="hidden" name="csrf" value="${ctx.csrf ?? ''}"><button type="submit" class="link" data-testid="share-run">Share report (read-only link)</button></form></p>`
      : ''}
    ${run.state === 'running'
      ? opts.streamUrl
        ? html`<p class="small muted" data-testid="following">Verdicts follow the wallet live${opts.pageUrl ? html` (<a href="${opts.pageUrl}?follow=0${opts.sequence ? '&sequence=1' : ''}">stop</a>)` : ''}.</p>`
        : opts.followUrl
          ? html`<p class="small muted" data-testid="following">Verdicts follow the wallet: this page reloads every 3 seconds until every case is judged.</p>`
          : html`<p class="small muted">${opts.pageUrl ? html`<a href="${opts.pageUrl}${opts.sequence ? '?sequence=1' : ''}" data-testid="follow">Follow the verdicts live</a>` : 'Reload to see new verdicts.'}</p>`
      : ''}
    ${!opts.readOnly && opts.pageUrl
      ? html`<p class="small">${opts.sequence
          ? html`One case at a time: the next case's offer appears when this one is judged. <a href="${opts.pageUrl}" data-testid="all-cases">Show every offer</a>`
          : html`<a href="${opts.pageUrl}?sequence=1" data-testid="one-at-a-time">One case at a time</a>`}</p>`
      : ''}
    <div id="run-live">${runLive(ctx, run, opts)}</div>
    ${opts.streamUrl && run.state === 'running' ? html`<div id="live" data-stream="${opts.streamUrl}" hidden></div>` : ''}
  </section>`;
  return layout(ctx, `${run.plan_name} run`, body, run.state === 'running' && !opts.streamUrl && opts.followUrl ? { refresh: { seconds: 3, url: opts.followUrl } } : {});
}

/** The part of the run page that changes while the wallet works: summary and checklist (re-sent whole by the stream). */
export function runLive(ctx: PageContext, run: RunReport, opts: RunPageOptions): Html {
  const b = ctx.base;
  const sessionHref = (sessionId: string, entry?: string) => (opts.readOnly ? undefined : `${b}/ui/sessions/${sessionId}${entry ? `#log-${entry}` : ''}`);
  const s = run.summary;
  const current = run.cases.find((x) => x.verdict === 'not_reached')?.case_id;
  return html`<div data-testid="run-status" data-state="${run.state}">
    <p data-testid="run-summary"><span class="badge" data-testid="run-state">${run.state}</span>
      <span class="cell-pass">${s.pass} pass</span> · <span class="cell-fail">${s.fail} fail</span> · ${s.warning} warning · ${s.not_reached} not reached
      ${run.wallets.length ? html`<br><span class="small muted">Wallets: ${run.wallets.map((w) => html`<code>${w}</code> `)}</span>` : ''}</p>
    <ol class="checklist">${run.cases.map((c) => {
      const links = opts.links?.[c.case_id];
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
  </div>`;
}

/**
 * The report as one self-contained HTML file (export): its own small stylesheet inline, no
 * script, no links into the dashboard, nothing that redeems an offer.
 */
export function standaloneRunReport(run: RunReport, meta: { credentialIssuer: string; exportedAt: string }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${run.plan_name} run ${run.run_id}</title>
<style>${raw(REPORT_CSS)}</style>
</head>
<body>
<h1>${run.plan_name} <small>plan ${run.plan_id} version ${run.plan_version}</small></h1>
<p>Run ${run.run_id} of ${meta.credentialIssuer}, started ${run.created_at}, exported ${meta.exportedAt}. Verdicts are judged from the wallet's own requests in each case's session log; evidence names log entry ids.</p>
${runLive({ base: '' }, run, { readOnly: true })}
</body>
</html>`;
}

const REPORT_CSS = `body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#1d1d1f}
h1 small{font-weight:normal;color:#666;font-size:.6em}.muted,.small{color:#666;font-size:.9em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:.8em 0;list-style:none}
.checklist{padding:0}table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eee;padding:.3em;text-align:left;vertical-align:top}
.cell-pass{color:#137333;font-weight:600}.cell-fail{color:#b3261e;font-weight:600}code{font-size:.9em}`;

function verdictBadge(v: Verdict): Html {
  const cls = v === 'pass' ? 'cell-pass' : v === 'fail' ? 'cell-fail' : 'muted';
  return html`<span class="${cls}" data-testid="verdict">${v.replace('_', ' ')}</span>`;
}

function linkOrText(href: string | undefined, text: string): Html {
  return href ? html`<a href="${href}">${text}</a>` : html`<code>${text}</code>`;
}

import { jsonBlock, specLink, timeMs, type LogView } from './components.js';
import { artefactsOf, type ArtefactChecks } from './artefacts.js';
import { html, type Html } from './html.js';

/**
 * The session log as a conversation: the entries one request wrote (its request/response entry,
 * diagnostics, notes) shown as one item, newest first; consecutive repeats of the same request
 * with the same answer (deferred polls, offer fetches) folded into the newest. Grouping is done
 * here, at display level: the store keeps one row per entry.
 */

const LEVELS = ['debug', 'info', 'warning', 'error'] as const;
const rank = (level: string) => LEVELS.indexOf(level as (typeof LEVELS)[number]);

export interface RequestGroup {
  /** The request id, or the entry id for an entry written outside a request. */
  key: string;
  requestId: string | null;
  /** Oldest first. */
  entries: LogView[];
  /** The request/response entry (method, path, status), when the group is a wallet request. */
  request: LogView | undefined;
  level: string;
  /** The newest entry id: the group's position in the log and its id on the live stream. */
  newestId: string;
}

const isRequestEntry = (l: LogView) => l.level === 'debug' && typeof l.data?.method === 'string' && typeof l.data?.path === 'string';

/** Groups by request id; the result is newest first. */
export function groupByRequest(logs: readonly LogView[]): RequestGroup[] {
  const groups = new Map<string, LogView[]>();
  for (const l of [...logs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const key = l.request_id ?? l.id;
    const list = groups.get(key);
    if (list) list.push(l);
    else groups.set(key, [l]);
  }
  return [...groups.entries()]
    .map(([key, entries]) => ({
      key,
      requestId: entries[0].request_id,
      entries,
      request: entries.find(isRequestEntry),
      level: entries.reduce((max, e) => (rank(e.level) > rank(max) ? e.level : max), 'debug'),
      newestId: entries[entries.length - 1].id,
    }))
    .sort((a, b) => (a.newestId < b.newestId ? 1 : -1));
}

/** What makes two requests "the same again": endpoint, method, status, level and diagnostic codes. */
export function signatureOf(g: RequestGroup): string {
  if (!g.request) return `entry:${g.key}`;
  const codes = g.entries.map((e) => e.data?.code).filter((c) => typeof c === 'string').sort();
  return [g.request.endpoint, g.request.data!.method, g.request.data!.status, g.level, ...codes].join('|');
}

/** Consecutive groups with one signature: the newest with the older ones as its repeats. */
export function collapseRepeats(groups: readonly RequestGroup[]): { group: RequestGroup; repeats: RequestGroup[] }[] {
  const out: { group: RequestGroup; repeats: RequestGroup[] }[] = [];
  for (const g of groups) {
    const last = out[out.length - 1];
    if (last && signatureOf(last.group) === signatureOf(g)) last.repeats.push(g);
    else out.push({ group: g, repeats: [] });
  }
  return out;
}

export type ChecksByRequest = ReadonlyMap<string, ArtefactChecks[]>;

export function requestLog(base: string, logs: readonly LogView[], checks?: ChecksByRequest): Html {
  return html`${collapseRepeats(groupByRequest(logs)).map(({ group, repeats }) => requestItem(base, group, repeats, checks))}`;
}

function shortAgent(headers: unknown): string | undefined {
  const ua = headers && typeof headers === 'object' ? (headers as Record<string, unknown>)['user-agent'] : undefined;
  return typeof ua === 'string' ? (ua.length > 40 ? `${ua.slice(0, 39)}…` : ua) : undefined;
}

function statusClass(status: unknown): string {
  return typeof status === 'number' ? `status-${Math.floor(status / 100)}xx` : '';
}

/** One request: its line, its diagnostics, and request / response / other entries to expand. */
export function requestItem(base: string, g: RequestGroup, repeats: RequestGroup[] = [], checks?: ChecksByRequest): Html {
  const r = g.request;
  const d = r?.data ?? {};
  const first = g.entries[0];
  const diagnostics = g.entries.filter((e) => e.level === 'error' || e.level === 'warning');
  const others = g.entries.filter((e) => e !== r && !diagnostics.includes(e));
  const levels = [...new Set(g.entries.map((e) => e.level))].join(' ');
  const perLevel = LEVELS.map((l) => `${l}:${g.entries.filter((e) => e.level === l).length}`).join(' ');
  const head = r
    ? html`<span class="method">${String(d.method)}</span> <span class="endpoint">${r.endpoint}</span> <code class="path break">${String(d.path)}</code>
        ${d.status !== undefined ? html`<span class="status ${statusClass(d.status)}" data-testid="status">${String(d.status)}</span>` : ''}
        ${typeof d.duration_ms === 'number' ? html`<span class="duration muted small">${d.duration_ms} ms</span>` : ''}
        ${shortAgent(d.headers) ? html`<span class="agent muted small" title="User-Agent">${shortAgent(d.headers)}</span>` : ''}`
    : html`<span class="endpoint">${first.endpoint}</span><span class="message">${first.message}</span>${specLink(first.data?.spec_ref)}`;
  return html`<li class="log level-${g.level} ${r ? 'request' : ''}" id="log-${first.id}" data-level="${g.level}" data-levels="${levels}" data-id="${g.newestId}"
      data-request="${g.key}" data-entries="${g.entries.length}" data-level-counts="${perLevel}" data-signature="${signatureOf(g)}" data-testid="log-entry">
    <div class="log-head"><time>${timeMs(first.timestamp)}</time><span class="level">${g.level}</span>${head}
      ${g.requestId ? html`<code class="request-id small" data-testid="request-id" title="request id (x-request-id)">${g.requestId}</code>` : ''}</div>
    ${diagnostics.map(diagnosticLine)}
    ${r ? html`<details class="part"><summary>request</summary>${jsonBlock({ headers: d.headers, ...(d.client_ip !== undefined ? { client_ip: d.client_ip } : {}), ...(d.body !== undefined ? { body: d.body } : {}) })}</details>
      <details class="part" data-testid="response"><summary>response</summary>${jsonBlock({ status: d.status, headers: d.response_headers ?? '(not recorded)', body: d.response ?? '(none recorded)' })}</details>` : ''}
    ${!r && first.data ? html`<details class="part"><summary>data</summary>${jsonBlock(first.data)}</details>` : ''}
    ${!r && others.some((e) => e !== first) ? html`<ol class="sub-entries">${others.filter((e) => e !== first).map(subEntry)}</ol>` : ''}
    ${others.length && r ? html`<details class="part"><summary>${others.length} more entr${others.length === 1 ? 'y' : 'ies'}</summary><ol class="sub-entries">${others.map(subEntry)}</ol></details>` : ''}
    ${g.requestId && checks?.get(g.requestId) ? checksPart(checks.get(g.requestId)!) : ''}
    ${r ? inspectorLinks(base, r) : ''}
    <details class="repeats" data-testid="repeats" ${repeats.length ? '' : 'hidden'}><summary>×<span class="repeat-count">${repeats.length + 1}</span> the same request and answer: show the ${repeats.length} older</summary>
      <ol class="logs">${repeats.map((x) => requestItem(base, x, [], checks))}</ol></details>
  </li>`;
}

/** Every check the inspector made of the request's artefacts, folded: what was verified, not only what failed. */
function checksPart(all: ArtefactChecks[]): Html {
  const count = (s: string) => all.reduce((n, a) => n + a.checks.filter((c) => c.status === s).length, 0);
  const [pass, fail, warn] = [count('pass'), count('fail'), count('warn')];
  return html`<details class="part" data-testid="checks" data-passed="${pass}" data-failed="${fail}"><summary>checks: <span class="cell-pass">${pass} passed</span>${fail ? html`, <span class="cell-fail">${fail} failed</span>` : ''}${warn ? html`, <span class="warn-text">${warn} warnings</span>` : ''}</summary>
    <p class="muted small">The inspector's re-reading of what this request carried, as at the time of the request.</p>
    ${all.map((a) => html`<h4 class="small">${a.label} <span class="muted">(${a.verdict})</span></h4>
      <ul class="checks small">${a.checks.map((c) => html`<li data-status="${c.status}"><span class="selfcheck-${c.status === 'skip' ? 'warn' : c.status}">${c.status}</span> <code>${c.check}</code> ${c.detail} ${specLink(c.spec_ref, 'check-spec-ref')}</li>`)}</ul>`)}
  </details>`;
}

function diagnosticLine(e: LogView): Html {
  const d = e.data ?? {};
  return html`<div class="diag-entry level-${e.level}" id="log-${e.id}" data-level="${e.level}" data-testid="diagnostic">
    <div><span class="level">${e.level}</span> <span class="message">${e.message}</span> ${specLink(d.spec_ref)}${d.code ? html` <code class="code">${String(d.code)}</code>` : ''}</div>
    <div class="diag">${d.reason && d.reason !== e.message ? html`<div><b>reason</b> ${String(d.reason)}</div>` : ''}${d.expected ? html`<div><b>expected</b> ${String(d.expected)}</div>` : ''}${d.help ? html`<div><b>help</b> ${String(d.help)}</div>` : ''}</div>
  </div>`;
}

function subEntry(e: LogView): Html {
  return html`<li id="log-${e.id}" data-level="${e.level}"><time class="small">${timeMs(e.timestamp)}</time> <span class="level">${e.level}</span> ${e.message}
    ${e.data ? html`<details><summary>data</summary>${jsonBlock(e.data)}</details>` : ''}</li>`;
}

/**
 * "open in inspector", pre-filled through the URL fragment: the fragment never reaches a server
 * (no proof in an access log or a Referer), the inspector page reads it.
 */
function inspectorLinks(base: string, r: LogView): Html {
  const items = artefactsOf(r.endpoint, r.data);
  if (items.length === 0) return html``;
  const d = r.data ?? {};
  return html`<div class="inspect-links small">open in inspector: ${items.map((a) => {
    const p = new URLSearchParams({ kind: a.kind, value: a.value });
    if (a.kind === 'dpop' && typeof d.method === 'string') p.set('htm', d.method);
    return html`<a href="${base}/inspect#${p.toString()}" target="_blank" rel="noreferrer" data-testid="inspect-link" data-kind="${a.kind}">${a.label}</a> `;
  })}</div>`;
}

/**
 * Level switches with live counts (entries of each level among the requests the search matches)
 * and a search over everything shown, request ids included. app.js applies them.
 */
export function logFilters(query = ''): Html {
  return html`<div class="filters" id="level-filter">
    ${LEVELS.map((l) => html`<label><input type="checkbox" name="level" value="${l}" checked> ${l} <span class="count" data-level-count="${l}" data-testid="level-count-${l}">0</span></label>`)}
    <label class="search">Search <input type="search" id="log-search" value="${query}" placeholder="request id, path, code, text" data-testid="log-search"></label>
    <span class="muted small" id="log-shown" data-testid="log-shown"></span>
  </div>`;
}

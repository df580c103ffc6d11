import type { PresentationCheck, PresentationResult } from '../../store/verification-records.js';
import { diagnosticCounts, jsonBlock, outcomeBadge, stateBadge, walletLabel, time, type EventView, type LogView, type TimelineStep } from '../components.js';
import { html, jsonScript, raw, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';
import type { SessionSummary } from '../../session-log/outcome.js';
import { sessionActivity, sessionHead } from './session.js';

/**
 * The verifier's pages (OpenID4VP 1.0): the request form (a preset or a typed DCQL query), the
 * created request as a QR code and openid4vp:// link, and the verification session page, which
 * is the issuance session page's twin: state, timeline, logs with their checks, events, and the
 * disclosed claims, live.
 */

export interface PresetView {
  id: string;
  name: string;
  description?: string;
  format: string;
  dcql_query: Record<string, unknown>;
}

export interface PresentationFormValues {
  source: 'preset' | 'dcql';
  preset: string;
  dcql_query: string;
  response_mode: 'direct_post' | 'direct_post.jwt';
  client_id_prefix: 'x509_san_dns' | 'x509_hash' | 'redirect_uri';
  request_uri_method: 'get' | 'post';
  draft_request: '' | 'presentation_definition' | 'client_id_scheme';
  strict: boolean;
  expires_in: string;
  unsigned_request: boolean;
  reject_first_response: boolean;
  single_fetch: boolean;
  require_encrypted_response: boolean;
}

const checked = (on: boolean) => (on ? raw('checked') : '');

export function presentationFormPage(ctx: PageContext, d: { presets: PresetView[]; values: PresentationFormValues; error?: { text: string; problems: string[] } }): Html {
  const v = d.values;
  const option = <T extends string>(name: string, value: T, current: T, label: string) => html`<label><input type="radio" name="${name}" value="${value}" ${checked(value === current)}> ${label}</label>`;
  return layout(
    ctx,
    'Create presentation request',
    html`<h1>Create a presentation request</h1>
    <p class="muted">Ask a wallet to present credentials (OpenID4VP 1.0): pick a preset or type a DCQL query (§6), then scan the QR code with the wallet.</p>
    ${d.error ? html`<div class="flash error" data-testid="flash">${d.error.text}<ul>${d.error.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : ''}
    <form method="post" action="${ctx.base}/ui/presentations" id="presentation-form" class="offer-form">
      <input type="hidden" name="csrf" value="${ctx.csrf}">
      <fieldset><legend>What to ask for</legend>
        <label class="block"><input type="radio" name="source" value="preset" ${checked(v.source === 'preset')}> a preset</label>
        ${d.presets.map(
          (p) => html`<label class="block preset"><input type="radio" name="preset" value="${p.id}" ${checked(v.preset === p.id)}>
            <b>${p.name}</b> <code>${p.id}</code> <span class="muted small">${p.description ?? ''}</span></label>`,
        )}
        <label class="block"><input type="radio" name="source" value="dcql" ${checked(v.source === 'dcql')}> a DCQL query (validated: credential_sets, claim_sets, values; meta with vct_values / doctype_value)</label>
        <textarea name="dcql_query" id="dcql-query" rows="14" spellcheck="false">${v.dcql_query}</textarea>
        <p class="muted small" id="dcql-query-status"></p>
      </fieldset>
      <fieldset><legend>Request</legend>
        <div>Response mode ${option('response_mode', 'direct_post.jwt', v.response_mode, 'direct_post.jwt (encrypted, HAIP)')} ${option('response_mode', 'direct_post', v.response_mode, 'direct_post')}</div>
        <div>Client identifier ${option('client_id_prefix', 'x509_san_dns', v.client_id_prefix, 'x509_san_dns')} ${option('client_id_prefix', 'x509_hash', v.client_id_prefix, 'x509_hash')} ${option('client_id_prefix', 'redirect_uri', v.client_id_prefix, 'redirect_uri (unsigned, by value)')}</div>
        <div>request_uri_method ${option('request_uri_method', 'get', v.request_uri_method, 'get')} ${option('request_uri_method', 'post', v.request_uri_method, 'post (wallet_metadata, §5.10)')}</div>
        <div>Shape ${option('draft_request', '', v.draft_request, 'OpenID4VP 1.0')} ${option('draft_request', 'presentation_definition', v.draft_request, 'presentation_definition (drafts 22-25)')} ${option('draft_request', 'client_id_scheme', v.draft_request, 'client_id_scheme (drafts 19-21)')} <span class="muted small">older wallets; dc+sd-jwt only, not in strict mode</span></div>
      </fieldset>
      <fieldset id="vp-fault-fieldset" data-testid="fault-switches"><legend>Strict mode and fault injection</legend>
        <label class="block"><input type="checkbox" name="strict" value="on" ${checked(v.strict)}> strict: refuse draft shapes, untrusted issuers, unrequested claims and unknown status</label>
        <label class="block"><input type="checkbox" name="require_encrypted_response" value="on" ${checked(v.require_encrypted_response)}> require an encrypted response: direct_post.jwt, and an error response in clear is refused too</label>
        <label class="block"><input type="checkbox" name="reject_first_response" value="on" ${checked(v.reject_first_response)}> reject the first response (the wallet must post again)</label>
        <label class="block"><input type="checkbox" name="unsigned_request" value="on" ${checked(v.unsigned_request)}> unsigned request object (alg none): a 1.0 wallet must refuse it</label>
        <label class="block"><input type="checkbox" name="single_fetch" value="on" ${checked(v.single_fetch)}> single fetch: the request_uri can be fetched once</label>
        <label>short expiry <input type="number" name="expires_in" min="1" max="86400" placeholder="seconds" value="${v.expires_in}"></label>
      </fieldset>
      <button type="submit">Create request</button>
    </form>
    ${jsonScript('presets', Object.fromEntries(d.presets.map((p) => [p.id, p.dcql_query])))}`,
    { script: true },
  );
}

export interface PresentationCreatedData {
  session_id: string;
  client_id: string;
  response_mode: string;
  request_url: string;
  expires_at: string;
  qrSvg: string;
}

/** The request, once: the request_uri in it fetches the request, so only this page and the admin answer show it. */
export function presentationCreatedPage(ctx: PageContext, d: PresentationCreatedData): Html {
  return layout(
    ctx,
    'Presentation request created',
    html`<h1>Presentation request created</h1>
    <div class="offer-result">
      <figure class="qr" data-testid="request-qr">${raw(d.qrSvg)}<figcaption>Scan with the wallet</figcaption></figure>
      <dl class="facts">
        <dt>Deep link</dt><dd><a href="${d.request_url}" data-testid="request-url" class="break">${d.request_url}</a></dd>
        <dt>client_id</dt><dd><code class="break">${d.client_id}</code></dd>
        <dt>Response mode</dt><dd>${d.response_mode}</dd>
        <dt>Expires</dt><dd>${time(d.expires_at)}</dd>
        <dt>Session</dt><dd><a href="${ctx.base}/ui/sessions/${d.session_id}" data-testid="session-link">${d.session_id}</a> — watch the wallet's requests live</dd>
      </dl>
    </div>
    <section>
      <form method="post" action="${ctx.base}/ui/sessions/${d.session_id}/present" class="inline" data-testid="present-form">
        <input type="hidden" name="csrf" value="${ctx.csrf}">
        <input type="hidden" name="request_url" value="${d.request_url}">
        <button type="submit">Present with the reference wallet</button>
        <span class="muted small">The reference wallet is issued matching credentials by this issuer, then presents them to this request; the session page follows it live.</span>
      </form>
    </section>`,
  );
}

export interface VerificationSessionView {
  session_id: string;
  state: string;
  created_at: string;
  expires_at: string;
  client_id: string;
  response_mode: string;
  dcql_query: unknown;
  request_object: Record<string, unknown>;
  preset: string | null;
  client_id_prefix: string;
  draft_request: string | null;
  strict: boolean;
  faults: Record<string, boolean>;
  request_fetches: number;
  responses: number;
  answered_at: string | null;
  result: PresentationResult | null;
}

export interface VerificationPageData {
  session: VerificationSessionView;
  summary: SessionSummary;
  logs: LogView[];
  logTotal: number;
  events: EventView[];
  timeline: TimelineStep[];
  readOnly: boolean;
  streamUrl: string;
  flash?: { kind: 'ok' | 'error'; text: string; problems?: string[] };
  shareUrl?: { url: string; expires_at: string };
}

export function verificationSessionPage(ctx: PageContext, d: VerificationPageData): Html {
  const s = d.session;
  const body = html`
  ${sessionHead(ctx, d, 'verification', verificationFacts(s, d.summary), presentTwinForm(ctx, s))}

  <section>
    <h2>Result</h2>
    <div id="vp-result">${presentationResultView(s.result)}</div>
  </section>

  <section>
    <details class="folded"><summary><h2>DCQL query and client metadata</h2></summary>
      <h3>DCQL query</h3>${jsonBlock(s.dcql_query)}
      <h3>Request object</h3><p class="muted small">As signed at each fetch (state redacted; nonce and wallet_nonce, iat, exp are added per fetch).</p>${jsonBlock(s.request_object)}
    </details>
  </section>

  ${sessionActivity(ctx, d)}`;
  return layout(ctx, `Session ${s.session_id}`, body, { script: true });
}

/** The reference wallet on a twin of this request (the request link itself is shown only once, at creation). */
function presentTwinForm(ctx: PageContext, s: VerificationSessionView): Html {
  const hasFaults = Object.values(s.faults).some(Boolean);
  return html`<form method="post" action="${ctx.base}/ui/sessions/${s.session_id}/present-twin" class="inline" data-testid="present-twin-form">
    <input type="hidden" name="csrf" value="${ctx.csrf}">
    <button type="submit" title="This issuer issues the reference wallet matching credentials; the wallet presents them to a new request with the same query and options. Compare its session with your wallet's.">Present a twin request with the reference wallet</button>
    ${hasFaults ? html`<label class="small"><input type="checkbox" name="keep_faults" value="on"> with this request's fault switches</label>` : ''}
  </form>`;
}

/** The header facts: rendered with the page and again, live, after every change of the session. */
export function verificationFacts(s: VerificationSessionView, summary: SessionSummary): Html {
  const faults = Object.entries(s.faults).filter(([, on]) => on).map(([name]) => name);
  return html`
      <dt>Session</dt><dd><code data-testid="session-id">${s.session_id}</code></dd>
      <dt>Outcome</dt><dd>${outcomeBadge(summary)} ${diagnosticCounts(summary)}</dd>
      <dt>State</dt><dd id="session-state">${stateBadge(s.state)}</dd>
      <dt>Wallet</dt><dd>${summary.wallet ? html`<span data-testid="wallet"><code class="break">${summary.wallet.user_agent}</code></span>` : walletLabel(summary)}</dd>
      <dt>Kind</dt><dd>presentation (OpenID4VP 1.0)</dd>
      <dt>Client id</dt><dd><code class="break" data-testid="client-id">${s.client_id}</code> <span class="muted small">${s.client_id_prefix}</span></dd>
      <dt>Response mode</dt><dd>${s.response_mode}</dd>
      ${s.draft_request ? html`<dt>Draft shape</dt><dd data-testid="draft-request"><code>${s.draft_request}</code> <span class="muted small">asked the way an older wallet reads it</span></dd>` : ''}
      <dt>Preset</dt><dd>${s.preset ?? html`<span class="muted">typed DCQL query</span>`}</dd>
      <dt>Created</dt><dd>${time(s.created_at)}</dd>
      <dt>Request expires</dt><dd>${time(s.expires_at)} (fetched <span data-testid="request-fetches">${s.request_fetches}</span>×, ${s.responses} response(s))</dd>
      <dt>Fault switches</dt><dd>${faults.length ? html`<ul class="faults" data-testid="faults">${faults.map((f) => html`<li data-fault="${f}"><code>${f}</code></li>`)}</ul>` : html`<span class="muted" data-testid="faults">none</span>`}${s.strict ? html` <span data-fault="strict">strict mode</span>` : ''}</dd>`;
}

/** The judged response: verdict, then per credential the disclosed claims and every check. Also sent live. */
export function presentationResultView(r: PresentationResult | null): Html {
  if (!r) return html`<p class="muted" data-testid="vp-result" data-verified="">No response judged yet.</p>`;
  return html`<div data-testid="vp-result" data-verified="${String(r.verified)}">
    <p class="verdict ${r.verified ? 'selfcheck-pass' : 'selfcheck-fail'}">${r.verified ? 'Verified' : 'Not verified'} <span class="muted small">judged ${time(r.judged_at)}</span></p>
    ${r.wallet_error ? html`<p class="flash error">The wallet answered with <code>${r.wallet_error.error}</code>${r.wallet_error.error_description ? `: ${r.wallet_error.error_description}` : ''}</p>` : ''}
    ${r.credentials.map(
      (c) => html`<div class="vp-credential" data-testid="vp-credential" data-query="${c.credential_query_id}">
        <h3><code>${c.credential_query_id}</code> · ${c.format} · <span class="${c.verified ? 'selfcheck-pass' : 'selfcheck-fail'}">${c.verified ? 'verified' : 'failed'}</span></h3>
        <dl class="facts"><dt>Issuer</dt><dd class="break">${c.issuer ?? html`<span class="muted">unknown</span>`} ${c.trusted ? '' : html`<span class="selfcheck-warn">untrusted</span>`}</dd>
        <dt>Status</dt><dd>${c.status}</dd></dl>
        <h4>Disclosed claims</h4>
        <div data-testid="disclosed-claims">${Object.keys(c.claims).length ? jsonBlock(c.claims) : html`<span class="muted">none kept</span>`}</div>
        <details><summary>Checks (${c.checks.filter((k) => k.status === 'pass').length} passed, ${c.checks.filter((k) => k.status === 'fail').length} failed, ${c.checks.filter((k) => k.status === 'warn').length} warnings)</summary>
          <ul class="checks">${c.checks.map(checkItem)}</ul></details>
      </div>`,
    )}
  </div>`;
}

const checkItem = (k: PresentationCheck) => html`<li class="check-${k.status}" data-testid="vp-check" data-status="${k.status}"><b>${k.check}</b> <span class="selfcheck-${k.status === 'pass' ? 'pass' : k.status === 'skip' ? 'skip' : k.status}">${k.status}</span> ${k.detail}${k.code ? html` <code class="code">${k.code}</code>` : ''}</li>`;

import type { Reachability } from '../../config/reachability.js';
import { jsonBlock } from '../components.js';
import { html, jsonScript, raw, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export interface OfferFormValues {
  credential_configuration_ids: string[];
  grant: 'pre_authorized_code' | 'authorization_code';
  tx_code: boolean;
  tx_code_length: number;
  tx_code_input_mode: 'numeric' | 'text';
  deferred: boolean;
  by_reference: boolean;
  require_wallet_attestation: boolean;
  require_key_attestation: boolean;
  claims: string;
  /** The holder may replace the claims at the consent page (authorization code flow). */
  claims_editable: boolean;
  /** Strict mode and fault switches of the offer. */
  faults?: OfferFaultValues;
}

export interface OfferFaultValues {
  strict: boolean;
  require_dpop: boolean;
  require_dpop_nonce: boolean;
  reject_first_nonce: boolean;
  single_fetch: boolean;
  require_encryption: boolean;
  tx_code_failure: 'retry' | 'burn' | 'reject_first';
  /** Seconds, '' for the configured lifetimes. */
  expires_in: string;
}

export interface OfferFormData {
  configurations: { id: string; format: string; name?: string }[];
  sampleClaims: Record<string, unknown>;
  values: OfferFormValues;
  error?: { text: string; problems: string[] };
  /** METADATA_WELL_KNOWN: shown, since a per-offer switch cannot change issuer metadata. */
  metadataWellKnown?: string;
}

const checked = (on: boolean) => (on ? raw('checked') : '');

export function offerFormPage(ctx: PageContext, d: OfferFormData): Html {
  const v = d.values;
  return layout(
    ctx,
    'Create offer',
    html`<h1>Create a credential offer</h1>
    ${d.error ? html`<div class="flash error" data-testid="flash">${d.error.text}<ul>${d.error.problems.map((p) => html`<li>${p}</li>`)}</ul></div>` : ''}
    <form method="post" action="${ctx.base}/ui/offers" id="offer-form" class="offer-form">
      <input type="hidden" name="csrf" value="${ctx.csrf}">
      <fieldset><legend>Credential configurations</legend>
        ${d.configurations.map(
          (c) => html`<label class="block"><input type="checkbox" name="credential_configuration_ids" value="${c.id}" ${checked(v.credential_configuration_ids.includes(c.id))}>
            <code>${c.id}</code> <span class="muted">${c.format}${c.name ? ` · ${c.name}` : ''}</span></label>`,
        )}
      </fieldset>
      <fieldset><legend>Grant</legend>
        <label><input type="radio" name="grant" value="pre_authorized_code" ${checked(v.grant === 'pre_authorized_code')}> pre-authorized code</label>
        <label><input type="radio" name="grant" value="authorization_code" ${checked(v.grant === 'authorization_code')}> authorization code</label>
        <div><label><input type="checkbox" name="tx_code" value="on" ${checked(v.tx_code)}> require a tx_code</label>
          <label>length <input type="number" name="tx_code_length" min="4" max="12" value="${v.tx_code_length}"></label>
          <label>input mode <select name="tx_code_input_mode"><option value="numeric" ${v.tx_code_input_mode === 'numeric' ? raw('selected') : ''}>numeric</option><option value="text" ${v.tx_code_input_mode === 'text' ? raw('selected') : ''}>text</option></select></label></div>
      </fieldset>
      <fieldset><legend>Options</legend>
        <label class="block"><input type="checkbox" name="deferred" value="on" ${checked(v.deferred)}> deferred issuance: the wallet gets a transaction_id until claims are supplied on the session page (OID4VCI 1.0 §9)</label>
        <label class="block"><input type="checkbox" name="by_reference" value="on" ${checked(v.by_reference)}> offer by reference (credential_offer_uri)</label>
        <label class="block"><input type="checkbox" name="require_wallet_attestation" value="on" ${checked(v.require_wallet_attestation)}> require wallet attestation</label>
        <label class="block"><input type="checkbox" name="require_key_attestation" value="on" ${checked(v.require_key_attestation)}> require key attestation</label>
      </fieldset>
      ${faultFieldset(v.faults, d.metadataWellKnown)}
      <fieldset id="claims-fieldset"><legend>Claims</legend>
        <p class="muted small">JSON, pre-filled with the sample claims; checked against the configuration's claims when you create the offer.
        With several configurations, key the claims by configuration id. Ignored for deferred offers (supply them later).</p>
        <textarea name="claims" id="offer-claims" rows="16" spellcheck="false">${v.claims}</textarea>
        <p class="muted small" id="offer-claims-status"></p>
        <label class="block"><input type="checkbox" name="claims_editable" value="on" ${checked(v.claims_editable)}> the holder may pick a persona or edit these claims on the consent page (authorization code; otherwise they are issued as set here)</label>
      </fieldset>
      <button type="submit">Create offer</button>
    </form>
    ${jsonScript('sample-claims', d.sampleClaims)}`,
    { script: true },
  );
}

/** Fault injection: each switch makes this session misbehave on purpose; docs/faults.md. */
function faultFieldset(f: OfferFaultValues | undefined, metadataWellKnown = 'both'): Html {
  const v = f ?? { strict: false, require_dpop: false, require_dpop_nonce: false, reject_first_nonce: false, single_fetch: false, require_encryption: false, tx_code_failure: 'retry', expires_in: '' };
  const box = (name: keyof OfferFaultValues, label: string) => html`<label class="block"><input type="checkbox" name="${name}" value="on" ${checked(v[name] === true)}> ${label}</label>`;
  return html`<fieldset id="fault-fieldset" data-testid="fault-switches"><legend>Strict mode and fault injection</legend>
    <p class="muted small">Test your wallet's error handling: each switch makes this session misbehave on purpose, and is shown on the session page.</p>
    ${box('strict', 'strict: refuse draft 11-15 request shapes (singular proof, format-based requests, user_pin) instead of serving them with a warning')}
    ${box('require_dpop', 'DPoP required: only DPoP-bound access tokens (RFC 9449)')}
    ${box('require_dpop_nonce', 'DPoP nonce required: proofs need a server nonce (use_dpop_nonce, RFC 9449 §8, §9)')}
    ${box('reject_first_nonce', 'reject the first c_nonce: the first credential request gets invalid_nonce')}
    ${box('single_fetch', 'single-fetch offer: the credential_offer_uri can be fetched once')}
    ${box('require_encryption', 'encryption required: credential responses must be encrypted (OID4VCI 1.0 §10)')}
    <label>wrong tx_code <select name="tx_code_failure">
      ${(['retry', 'burn', 'reject_first'] as const).map((o) => html`<option value="${o}" ${v.tx_code_failure === o ? raw('selected') : ''}>${{ retry: 'retry (up to the attempt limit)', burn: 'burn the code at the first wrong one', reject_first: 'reject the first tx_code, even when right' }[o]}</option>`)}
    </select></label>
    <label>short expiry <input type="number" name="expires_in" min="5" max="86400" placeholder="seconds" value="${v.expires_in}"></label>
    <p class="muted small">Metadata well-known forms: <code>${metadataWellKnown}</code> (global: METADATA_WELL_KNOWN, since metadata belongs to the issuer, not to an offer).</p>
  </fieldset>`;
}

/** Said on every page that shows an offer to scan: a phone cannot use an http or localhost issuer. */
export function reachabilityWarning(reach: Reachability): Html {
  if (reach.problems.length === 0) return html``;
  return html`<div class="banner banner-warn" data-testid="reachability-warning"><b>Phone wallets cannot use this offer as the issuer is configured:</b>
    <ul>${reach.problems.map((p) => html`<li>${p}</li>`)}</ul>
    <div class="small">${reach.advice.map((a) => html`${a} `)}</div></div>`;
}

/** The offer to scan, on its session page while it can still be redeemed. */
export function offerBlock(d: { offer_url: string; qrSvg: string; reach: Reachability; open: boolean }): Html {
  return html`<section data-testid="session-offer"><details ${d.open ? raw('open') : ''}><summary><h2 class="inline">Offer: QR code and deep link</h2></summary>
    ${reachabilityWarning(d.reach)}
    <div class="offer-result"><figure class="qr" data-testid="offer-qr">${raw(d.qrSvg)}<figcaption>Scan with the wallet</figcaption></figure>
    <p><a href="${d.offer_url}" data-testid="offer-url" class="break">${d.offer_url}</a></p></div>
  </details></section>`;
}

export interface OfferResultData {
  session_id: string;
  offer_url: string;
  credential_offer_uri?: string;
  tx_code?: string;
  qrSvg: string;
  credential_offer: unknown;
  reach?: Reachability;
}

export function offerResultPage(ctx: PageContext, d: OfferResultData): Html {
  return layout(
    ctx,
    'Offer created',
    html`<h1>Offer created</h1>
    ${d.reach ? reachabilityWarning(d.reach) : ''}
    <div class="offer-result">
      <figure class="qr" data-testid="offer-qr">${raw(d.qrSvg)}<figcaption>Scan with the wallet</figcaption></figure>
      <dl class="facts">
        <dt>Deep link</dt><dd><a href="${d.offer_url}" data-testid="offer-url" class="break">${d.offer_url}</a></dd>
        ${d.credential_offer_uri ? html`<dt>credential_offer_uri</dt><dd><code class="break">${d.credential_offer_uri}</code></dd>` : ''}
        ${d.tx_code ? html`<dt>tx_code</dt><dd><code class="tx-code" data-testid="tx-code">${d.tx_code}</code> <span class="muted small">shown once: give it to the user out of band</span></dd>` : ''}
        <dt>Session</dt><dd><a href="${ctx.base}/ui/sessions/${d.session_id}" data-testid="session-link">${d.session_id}</a> — watch the wallet's requests live</dd>
      </dl>
    </div>
    <details><summary>Credential offer (pre-authorized code redacted)</summary>${jsonBlock(d.credential_offer)}</details>`,
  );
}

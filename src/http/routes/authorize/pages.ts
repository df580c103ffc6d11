import type { AuthorizationOutcome, ConsentView } from '../../../protocol/oauth/consent-view.js';
import { escapeHtml as e, renderPage } from './html.js';

/** The login/consent page: sign in as a persona (or edit the claims), then consent or deny. */
export function renderConsentPage(view: ConsentView): string {
  const credentials = view.credentials
    .map((c) => {
      const radios = c.personas
        .map(
          (p) =>
            `<label><input type="radio" name="persona.${e(c.id)}" value="${e(p.key)}"${p.key === c.selected ? ' checked' : ''}> ${e(p.label)}</label>`,
        )
        .join('\n');
      const problems = c.problems.length ? `<ul class="problems">${c.problems.map((p) => `<li>${e(p)}</li>`).join('')}</ul>` : '';
      return `<fieldset>
<legend>${e(c.name)} <small>(<code>${e(c.id)}</code>, ${e(c.format)})</small></legend>
${radios}
${problems}
${
  c.editable
    ? `<label for="claims-${e(c.id)}">Claims to issue as JSON (used when "Edit the claims" is picked)</label>
<textarea id="claims-${e(c.id)}" name="claims.${e(c.id)}" spellcheck="false">${e(c.customText)}</textarea>`
    : `<p>The offer fixes these claims:</p>
<pre class="claims">${e(c.customText)}</pre>`
}
</fieldset>`;
    })
    .join('\n');
  return renderPage(
    'Sign in and consent',
    `<h1>Sign in to the issuance-lab playground</h1>
<p>A wallet asks for credentials. Pick who you are (a test persona) or edit the claims, then consent.</p>
<dl class="meta">
<dt>Wallet (client_id)</dt><dd><code>${e(view.clientId)}</code></dd>
<dt>Returns to</dt><dd><code>${e(view.redirectUri)}</code></dd>
<dt>Session</dt><dd><code>${e(view.sessionId)}</code></dd>
<dt>Token binding</dt><dd>${view.dpopBound ? 'DPoP key bound at PAR' : 'not bound yet (the token endpoint decides)'}</dd>
<dt>Page valid until</dt><dd>${e(new Date(view.expiresAt).toISOString())}</dd>
</dl>
<form method="post" action="${e(view.actionPath)}">
<input type="hidden" name="authorization_request_id" value="${e(view.authorizationRequestId)}">
<input type="hidden" name="csrf_token" value="${e(view.csrfToken)}">
${credentials}
<button type="submit" name="decision" value="allow">Consent and continue</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}

/** Shown instead of redirecting, when the client or its redirect URI cannot be trusted. */
export function renderErrorPage(outcome: Extract<AuthorizationOutcome, { kind: 'error' }>): string {
  const d = outcome.diagnostic;
  return renderPage(
    'Authorization error',
    `<h1>The authorization request cannot be processed</h1>
<div class="error"><p><strong><code>${e(outcome.error)}</code></strong>: ${e(d.reason)}</p>
<p>${e(d.help)}</p>
<p>Expected: ${e(d.expected)}. See ${e(d.spec_ref)}. Diagnostic <code>${e(d.code)}</code>${d.path ? ` at <code>${e(d.path)}</code>` : ''}.</p></div>
<p>The browser was not sent back to the wallet: only the redirect URI of a pushed authorization request, shown on the consent page, is trusted (RFC 6749 §4.1.2.1, RFC 9700 §4.11).</p>`,
  );
}

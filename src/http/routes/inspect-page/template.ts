/**
 * The inspector page: a form and a small script that POSTs to /inspect with the admin token
 * (kept in sessionStorage, never in the page) and renders the answer with textContent only, so
 * nothing pasted can become markup. Standalone for now; the dashboard can link to it.
 */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:2rem;max-width:1100px;color:#222}
textarea{width:100%;box-sizing:border-box;height:9rem;font:12px monospace}input[type=text],input[type=password]{width:24rem;max-width:100%;box-sizing:border-box}td{overflow-wrap:anywhere}
label{display:block;margin:.4rem 0}table{border-collapse:collapse;width:100%;margin-top:1rem}
td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:13px}
.pass{color:#176b2c}.fail{color:#b00020;font-weight:600}.warn{color:#9a6700}.skip{color:#777}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:12px}#verdict{font-size:1.2rem;margin-top:1rem}`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
$('token').value = sessionStorage.getItem('issuance-lab-admin-token') || '';
// Pre-filled from the dashboard's "open in inspector" links: the fragment never reaches a server.
const given = new URLSearchParams(location.hash.slice(1));
for (const k of ['kind', 'value', 'aud', 'nonce', 'htm', 'htu']) if (given.has(k)) $(k).value = given.get(k);
$('form').addEventListener('submit', async (event) => {
  event.preventDefault();
  sessionStorage.setItem('issuance-lab-admin-token', $('token').value);
  const expected = {};
  for (const k of ['aud', 'nonce', 'htm', 'htu', 'response_uri']) if ($(k).value.trim()) expected[k] = $(k).value.trim();
  const body = { value: $('value').value.trim(), expected, ignore_time: $('ignore_time').checked };
  if ($('kind').value) body.kind = $('kind').value;
  const res = await fetch($('form').dataset.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + $('token').value }, body: JSON.stringify(body) });
  const out = await res.json();
  const rows = $('checks'); rows.replaceChildren();
  if (!res.ok) { $('verdict').textContent = 'Error ' + res.status + ': ' + (out.error_description || out.error); $('decoded').textContent = ''; $('keys').textContent = ''; return; }
  $('verdict').textContent = out.kind + ' (' + out.kind_source + '): ' + out.verdict + ' (' + out.summary.pass + ' pass, ' + out.summary.fail + ' fail, ' + out.summary.warn + ' warn, ' + out.summary.skip + ' skipped)';
  for (const c of out.checks) {
    const tr = document.createElement('tr');
    for (const [text, cls] of [[c.status, c.status], [c.check], [c.detail + (c.help ? ' - ' + c.help : '')], [c.code || ''], [c.spec_ref]]) {
      const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; tr.append(td);
    }
    rows.append(tr);
  }
  $('decoded').textContent = JSON.stringify(out.decoded, null, 2);
  $('keys').textContent = JSON.stringify(out.keys, null, 2);
});`;

export function renderInspectPage(opts: { endpoint: string; issuer: string; nonce: string }): string {
  const kinds = ['', 'proof', 'dpop', 'wallet_attestation', 'key_attestation', 'credential_request', 'credential', 'vp_token', 'kb_jwt', 'device_response'];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inspector - issuance-lab</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body>
<h1>Inspector</h1>
<p>Paste a key proof JWT, a DPoP proof, a wallet or key attestation, a credential request (JSON) or an issued credential
(SD-JWT VC, JWT VC, base64url mdoc), or what a wallet presents: a vp_token, an SD-JWT+KB, a KB-JWT, an mdoc DeviceResponse. Every check is listed with its outcome, diagnostic code and spec reference.</p>
<form id="form" data-endpoint="${escapeHtml(opts.endpoint)}">
<label>Admin token <input type="password" id="token" autocomplete="off"></label>
<label>Kind <select id="kind">${kinds.map((k) => `<option value="${k}">${k || 'detect automatically'}</option>`).join('')}</select></label>
<label>Value<textarea id="value" spellcheck="false" required></textarea></label>
<label>Expected aud <input type="text" id="aud" value="${escapeHtml(opts.issuer)}"></label>
<label>Expected nonce <input type="text" id="nonce"></label>
<label>Expected htm (DPoP) <input type="text" id="htm"></label>
<label>Expected htu (DPoP) <input type="text" id="htu"></label>
<label>Expected response_uri (mdoc presentation; aud is then the client_id) <input type="text" id="response_uri"></label>
<label><input type="checkbox" id="ignore_time"> Ignore time (old samples)</label>
<button type="submit">Inspect</button>
</form>
<div id="verdict"></div>
<table><thead><tr><th>Result</th><th>Check</th><th>Detail</th><th>Code</th><th>Spec</th></tr></thead><tbody id="checks"></tbody></table>
<h2>Decoded</h2><pre id="decoded"></pre>
<h2>Resolved keys</h2><pre id="keys"></pre>
<script nonce="${escapeHtml(opts.nonce)}">${SCRIPT}</script>
</body></html>`;
}

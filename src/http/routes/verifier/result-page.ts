import type { PresentationResult } from '../../../store/verification-records.js';

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The same-device result page: verified or not, and the requested claims. No script, no secrets. */
export function renderPresentationResultPage(result: PresentationResult | null): string {
  const body = !result
    ? '<h1>Unknown or expired result</h1><p>The response code is unknown or no longer valid.</p>'
    : `<h1>${result.verified ? 'Presentation verified' : 'Presentation not verified'}</h1>
${result.wallet_error ? `<p>The wallet answered with <code>${esc(result.wallet_error.error)}</code>.</p>` : ''}
${result.credentials
  .map((c) => `<section><h2>${esc(c.credential_query_id)} <small>${esc(c.format)}</small></h2><p>${c.verified ? 'verified' : 'not verified'}, status ${esc(c.status)}</p><pre>${esc(JSON.stringify(c.claims, null, 2))}</pre></section>`)
  .join('\n')}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Presentation result</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto}</style></head>
<body>${body}</body></html>`;
}

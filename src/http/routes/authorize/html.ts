/**
 * HTML for the browser-facing authorization pages. Everything that comes from a request or the
 * database goes through `escapeHtml` (text and attribute values alike); no inline script, so
 * the Content-Security-Policy can forbid scripts altogether.
 */

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Headers of every page: no caching, no framing (clickjacking of the consent button), no scripts, no referrer. */
export const pageHeaders: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // No form-action: Chromium applies it to the redirect after the form post, which goes to the wallet.
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
};

const style = `
body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
.meta{background:#f3f5f7;border-radius:6px;padding:.6rem .9rem;font-size:.9rem}
.meta dt{font-weight:600;float:left;clear:left;width:10rem}.meta dd{margin:0 0 .2rem 10.5rem;word-break:break-all}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:1rem 0;padding:.6rem 1rem}
label{display:block;margin:.25rem 0}textarea{width:100%;min-height:12rem;font-family:ui-monospace,monospace;font-size:.85rem}
.problems{color:#a40e26}.error{border-left:4px solid #a40e26;padding:.2rem .9rem;background:#fff5f5}
button{font-size:1rem;padding:.5rem 1.1rem;margin-right:.6rem}code{font-family:ui-monospace,monospace}
`;

export function renderPage(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} - issuance-lab</title><style>${style}</style></head>
<body>${body}</body></html>`;
}

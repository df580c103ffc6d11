import { html, type Html } from './html.js';

export interface PageContext {
  /** Mount path of the issuer ("" or "/tenant/issuer"): every link starts with it. */
  base: string;
  /** Set when signed in: the CSRF token for forms. */
  csrf?: string;
}

/** Every page loads app.js (live views, forms, the navigation's current-page mark); `script` is kept for callers. */
export function layout(ctx: PageContext, title: string, body: Html, _opts: { script?: boolean; refresh?: { seconds: number; url: string } } = {}): Html {
  const b = ctx.base;
  const nav = ctx.csrf
    ? html`<nav>
        <a href="${b}/">Sessions</a>
        <a href="${b}/ui/offers/new">Create offer</a>
        <a href="${b}/ui/presentations/new" data-testid="nav-presentation">Request presentation</a>
        <a href="${b}/ui/test_plans" data-testid="nav-test-plans">Test your wallet</a>
        <a href="${b}/ui/unbound">Unbound requests</a>
        <a href="${b}/ui/compatibility">Wallet compatibility</a>
        <a href="${b}/inspect" data-testid="nav-inspector">Inspector</a>
        <a href="${b}/trust">Trust material</a>
        <a href="${b}/docs">API docs</a>
        <form method="post" action="${b}/ui/sign-out" class="inline">
          <input type="hidden" name="csrf" value="${ctx.csrf}"><button type="submit" class="link">Sign out</button>
        </form>
      </nav>`
    : html`<nav><a href="${b}/">Sign in</a><a href="${b}/inspect">Inspector</a><a href="${b}/trust">Trust material</a><a href="${b}/docs">API docs</a></nav>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · issuance-lab</title>
${_opts.refresh ? html`<meta http-equiv="refresh" content="${_opts.refresh.seconds}; url=${_opts.refresh.url}">` : ''}
<link rel="stylesheet" href="${b}/ui/assets/app.css">
</head>
<body data-base="${b}">
<header><a class="brand" href="${b}/">issuance-lab</a>${nav}</header>
<main>${body}</main>
<script src="${b}/ui/assets/app.js" defer></script>
</body>
</html>`;
}

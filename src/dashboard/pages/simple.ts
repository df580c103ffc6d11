import { jsonBlock, type LogView } from '../components.js';
import { logFilters, requestLog } from '../request-log.js';
import { html, type Html } from '../html.js';
import { layout, type PageContext } from '../layout.js';

export function signInPage(ctx: PageContext, error?: string): Html {
  return layout(
    ctx,
    'Sign in',
    html`<section class="narrow">
      <h1>Sign in</h1>
      <p>Paste the admin token (<code>ADMIN_TOKEN</code>, or the one printed at first start and kept in <code>DATA_DIR/admin-token</code>).</p>
      ${error ? html`<p class="flash error" data-testid="flash">${error}</p>` : ''}
      <form method="post" action="${ctx.base}/ui/sign-in">
        <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
        <button type="submit">Sign in</button>
      </form>
    </section>`,
  );
}

/** `page.next`: where older entries start (a page holds 500 entries or 1 MiB of them, whichever is less). */
export function unboundPage(ctx: PageContext, logs: LogView[], total: number, page: { offset: number; next?: number } = { offset: 0 }, query = ''): Html {
  return layout(
    ctx,
    'Unbound requests',
    html`<h1>Unbound requests <span class="count" id="log-count">${total}</span></h1>
    <p class="muted">Requests that could not be tied to a session: an unknown pre-authorized code or access token, a wrong path, garbage.
    A broken wallet's first request usually lands here. Newest first. Of each, the fields larger than 1 KiB are kept as their first KiB and their size.</p>
    ${logFilters(query)}
    <ol class="logs" id="logs">${requestLog(ctx.base, logs)}</ol>
    ${page.offset > 0 || page.next !== undefined ? html`<nav class="pager" data-testid="unbound-pager">${page.offset > 0 ? html`<a href="${ctx.base}/ui/unbound">Newest</a> ` : ''}${page.next !== undefined ? html`<a href="${ctx.base}/ui/unbound?offset=${page.next}" data-testid="older">Older entries</a>` : ''}</nav>` : ''}
    ${page.offset === 0 ? html`<div id="live" data-stream="${ctx.base}/ui/unbound/stream" data-after="${logs[0]?.id ?? ''}" hidden></div>` : ''}`,
    { script: true },
  );
}

export interface TrustView {
  rootPem: string;
  documentSignerPem: string;
  x5c: string[];
  jwks: unknown;
  jwksUrl: string;
}

export function trustPage(ctx: PageContext, t: TrustView): Html {
  const b = ctx.base;
  return layout(
    ctx,
    'Trust material',
    html`<h1>Trust material</h1>
    <p>Load these into a wallet or verifier to trust what this issuer signs.</p>
    <ul class="downloads">
      <li><a href="${b}/trust/root.pem" download>Root certificate (IACA) — PEM</a>: the trust anchor for mdoc and SD-JWT VC x5c chains.</li>
      <li><a href="${b}/trust/document-signer.pem" download>Document-signer certificate — PEM</a></li>
      <li><a href="${b}/trust/chain.pem" download>x5c chain — PEM</a> (document signer first, root excluded, as sent in credentials)</li>
      <li><a href="${b}/trust/x5c.json" download>x5c chain — JSON array</a> (standard base64 DER, as in a JOSE <code>x5c</code> header)</li>
      <li><a href="${t.jwksUrl}">JWKS</a> (jwks_uri of the authorization server metadata)</li>
    </ul>
    <h2>Root certificate</h2><pre class="pem">${t.rootPem}</pre>
    <h2>Document-signer certificate</h2><pre class="pem">${t.documentSignerPem}</pre>
    <h2>JWKS</h2>${jsonBlock(t.jwks)}`,
  );
}

export function errorPage(ctx: PageContext, status: number, message: string): Html {
  return layout(ctx, `Error ${status}`, html`<h1>${status}</h1><p class="flash error">${message}</p><p><a href="${ctx.base}/">Back to the dashboard</a></p>`);
}

/** A plain rendering of the OpenAPI document: operations, parameters, bodies and responses. */
export function docsPage(ctx: PageContext, doc: Record<string, any>): Html {
  const paths = Object.entries(doc.paths as Record<string, Record<string, any>>);
  return layout(
    ctx,
    'Admin API',
    html`<h1>${doc.info.title}</h1>
    <p>${doc.info.description}</p>
    <p>Base URL: <code>${doc.servers[0].url}</code> · Machine-readable: <a href="${ctx.base}/openapi.json">openapi.json</a> (OpenAPI ${doc.openapi})</p>
    ${paths.map(([path, ops]) =>
      Object.entries(ops).map(
        ([method, op]) => html`<section class="operation" id="${op.operationId}">
        <h2><span class="method">${method.toUpperCase()}</span> <code>${path}</code></h2>
        <p>${op.summary}</p>${op.description ? html`<p class="muted">${op.description}</p>` : ''}
        ${op.parameters?.length ? html`<table class="params"><thead><tr><th>Parameter</th><th>In</th><th>Required</th><th>Schema</th></tr></thead><tbody>
          ${op.parameters.map((p: any) => html`<tr><td><code>${p.name}</code></td><td>${p.in}</td><td>${p.required ? 'yes' : 'no'}</td><td><code>${JSON.stringify(p.schema)}</code></td></tr>`)}
        </tbody></table>` : ''}
        ${op.requestBody ? html`<details><summary>Request body</summary>${jsonBlock(op.requestBody.content['application/json'].schema)}</details>` : ''}
        ${Object.entries(op.responses as Record<string, any>).map(
          ([status, r]) => html`<details><summary>${status} — ${r.description}</summary>${r.content ? jsonBlock(Object.values(r.content as Record<string, any>)[0].schema) : ''}</details>`,
        )}
      </section>`,
      ),
    )}`,
  );
}

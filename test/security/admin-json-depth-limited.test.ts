import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/core/input-limits.js';
import { startInProcess, ADMIN_TOKEN, type InProcessIssuer } from '../hardening/in-process.js';
import { freePort } from '../helpers/server.js';

/**
 * Every admin route that takes a JSON body refuses one nested 33 deep (400, before anything
 * recursive walks it) and lets one nested 32 deep through to its own checks. The routes are
 * read from the app as registered — every POST, PUT and PATCH that answers 401 without the
 * admin token and something else with it — so a route added in a new context is covered too —
 * and the claims fields of the dashboard's forms. Over a real socket.
 */

/** An object whose member holds `depth - 1` nested arrays: `depth` levels in all. */
const nested = (depth: number) => `{"x":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;

describe('admin JSON bodies are depth-limited in every context', () => {
  let issuer: InProcessIssuer;
  let base: string;
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    issuer = await startInProcess({ PUBLIC_URL: base, RATE_LIMIT_PER_MINUTE: '0' });
    await issuer.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => issuer?.close());

  const send = async (method: string, url: string, body: string, authorized: boolean) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...(authorized ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {}) },
      body,
    });
    return { status: res.status, text: await res.text() };
  };

  it(`refuses depth ${MAX_JSON_DEPTH + 1} and accepts depth ${MAX_JSON_DEPTH} on every admin JSON route`, async () => {
    const candidates = issuer.routes
      .filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.url.startsWith('/ui/'))
      .map((r) => ({ method: r.method, url: r.url.replace(/:(\w+)/g, 'x') }));
    const adminRoutes: string[] = [];
    for (const route of candidates) {
      if ((await send(route.method, route.url, '{}', false)).status !== 401) continue;
      if ((await send(route.method, route.url, '{}', true)).status === 401) continue; // a wallet token route, not the admin's
      adminRoutes.push(`${route.method} ${route.url}`);

      const deep = await send(route.method, route.url, nested(MAX_JSON_DEPTH + 1), true);
      assert.equal(deep.status, 400, `${route.method} ${route.url} at depth ${MAX_JSON_DEPTH + 1}: ${deep.status} ${deep.text.slice(0, 200)}`);
      assert.match(deep.text, new RegExp(`nested deeper than ${MAX_JSON_DEPTH}`), `${route.method} ${route.url} names the depth limit`);

      const limit = await send(route.method, route.url, nested(MAX_JSON_DEPTH), true);
      assert.ok(limit.status < 500, `${route.method} ${route.url} at depth ${MAX_JSON_DEPTH}: ${limit.status}`);
      assert.doesNotMatch(limit.text, /nested deeper than/, `${route.method} ${route.url} refused depth ${MAX_JSON_DEPTH} for its depth`);
    }
    // The contexts known today are among them (the walk sees the routes).
    for (const known of ['POST /credential_offers', 'POST /sessions/x/claims', 'POST /credentials/x/status', 'POST /inspect', 'POST /presentation_requests', 'POST /tenants']) {
      assert.ok(adminRoutes.includes(known), `${known} was walked (walked: ${adminRoutes.join(', ')})`);
    }
  });

  it(`refuses claims JSON nested ${MAX_JSON_DEPTH + 1} deep in the dashboard forms, and reads ${MAX_JSON_DEPTH}`, async () => {
    const signIn = await fetch(`${base}/ui/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${ADMIN_TOKEN}` });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    const page = await (await fetch(`${base}/ui/offers/new`, { headers: { cookie } })).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const offer = await send('POST', '/credential_offers', JSON.stringify({ credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], deferred: true }), true);
    const sessionId = JSON.parse(offer.text).session_id;
    const forms: [string, Record<string, string>][] = [
      ['/ui/offers', { credential_configuration_ids: 'eu.europa.ec.eudi.pid_vc_sd_jwt', grant: 'pre_authorized_code' }],
      [`/ui/sessions/${sessionId}/claims`, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt' }],
    ];
    for (const [url, fields] of forms) {
      const post = async (claims: string) => {
        const res = await fetch(`${base}${url}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...fields, claims, csrf }).toString(),
        });
        return { status: res.status, text: await res.text() };
      };
      const deep = await post(nested(MAX_JSON_DEPTH + 1));
      assert.equal(deep.status, 400, `${url} at depth ${MAX_JSON_DEPTH + 1}`);
      assert.match(deep.text, new RegExp(`nested deeper than ${MAX_JSON_DEPTH}`), url);
      const limit = await post(nested(MAX_JSON_DEPTH));
      assert.ok(limit.status < 500, `${url} at depth ${MAX_JSON_DEPTH}: ${limit.status}`);
      assert.doesNotMatch(limit.text, /nested deeper than/, url);
    }
  });
});

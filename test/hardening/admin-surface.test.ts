import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { COOKIE_NAME, DashboardAuth } from '../../src/dashboard/auth.js';
import { ADMIN_TOKEN, startInProcess, type InProcessIssuer } from './in-process.js';

/**
 * The admin surface, checked over EVERY registered route rather than a list someone
 * must remember to update: each route is either on the explicit public allow-list below or
 * refuses a request without the admin token (bearer) or dashboard cookie. The same walk checks
 * the security headers of every HTML page and that CORS is open exactly on the wallet-facing
 * routes. Runs twice: at the root and under a mount path with an https identifier.
 */

interface PublicRoute {
  method: string;
  /** Path relative to the mount path, or absolute (root) when `root` is set. */
  path: string;
  root?: boolean;
  /** Wallet-facing: CORS-open for web wallets. */
  cors?: boolean;
  /** Not every build has it yet (the allow-list may name routes ahead of them). */
  optional?: boolean;
  why: string;
}

const wellKnown = ['openid-credential-issuer', 'oauth-authorization-server', 'openid-configuration'];
const PUBLIC: PublicRoute[] = [
  { method: 'GET', path: '/healthz', root: true, why: 'liveness probe, no data' },
  { method: 'GET', path: '/readyz', root: true, why: 'readiness probe, details only in the process log' },
  ...wellKnown.flatMap((name): PublicRoute[] => [
    { method: 'GET', path: `/.well-known/${name}{mount}`, root: true, cors: true, why: 'metadata, path-insertion form' },
    { method: 'GET', path: `/.well-known/${name}`, cors: true, why: 'metadata, appended form' },
  ]),
  { method: 'GET', path: '/jwks', cors: true, why: 'public keys' },
  { method: 'GET', path: '/credential_offers/:offerId', cors: true, why: 'offer by reference: the id is the capability' },
  { method: 'POST', path: '/token', cors: true, why: 'wallet endpoint (grant is the credential)' },
  { method: 'POST', path: '/par', cors: true, why: 'wallet endpoint' },
  { method: 'POST', path: '/nonce', cors: true, why: 'wallet endpoint' },
  { method: 'POST', path: '/credential', cors: true, why: 'wallet endpoint (access token)' },
  { method: 'POST', path: '/deferred_credential', cors: true, why: 'wallet endpoint (access token)' },
  { method: 'POST', path: '/notification', cors: true, optional: true, why: 'wallet endpoint (access token)' },
  { method: 'GET', path: '/status-lists/:listId', cors: true, why: 'status lists are public by design' },
  { method: 'GET', path: '/oid4vp/requests/:requestToken', cors: true, why: 'verifier request_uri: the token is the capability' },
  { method: 'POST', path: '/oid4vp/requests/:requestToken', cors: true, why: 'verifier request_uri with wallet_metadata' },
  { method: 'POST', path: '/oid4vp/response', cors: true, why: 'verifier response_uri (state / JWE kid name the request)' },
  { method: 'GET', path: '/oid4vp/result', cors: true, why: 'same-device result page: the response code is the capability' },
  { method: 'GET', path: '/authorize', why: 'authorization page (request_uri is the capability)' },
  { method: 'POST', path: '/authorize/consent', why: 'consent form (CSRF token bound to the authorization)' },
  { method: 'GET', path: '/inspect', why: 'inspector page shell; POST /inspect needs the token' },
  // Fastify registers the dashboard root as "/" at the root and as "/tenant" (plus HEAD "/tenant/") under a mount path.
  { method: 'GET', path: '', optional: true, why: 'dashboard root: the sign-in page until signed in' },
  { method: 'GET', path: '/', optional: true, why: 'dashboard root: the sign-in page until signed in' },
  { method: 'POST', path: '/ui/sign-in', why: 'sign-in form' },
  { method: 'GET', path: '/ui/assets/app.js', why: 'static asset' },
  { method: 'GET', path: '/ui/assets/app.css', why: 'static asset' },
  { method: 'GET', path: '/trust', why: 'trust material is public by nature' },
  ...['root.pem', 'document-signer.pem', 'chain.pem', 'x5c.json'].map((f) => ({ method: 'GET', path: `/trust/${f}`, why: 'certificates' })),
  { method: 'GET', path: '/openapi.json', why: 'API description' },
  { method: 'GET', path: '/docs', why: 'API docs page' },
  { method: 'GET', path: '/share/:token', why: 'read-only share link: the token is the capability' },
  { method: 'GET', path: '/share/:token/stream', why: 'live view of a share link' },
  { method: 'GET', path: '/share/test_plan_runs/:token', why: 'read-only test plan run report: the token is the capability' },
  { method: 'GET', path: '/wallet_test_runs/:token', why: "a test plan run's cases for the wallet: the token is the capability, like an offer URI" },
];

for (const publicUrl of ['http://localhost:8080', 'https://issuer.example/tenant']) {
  describe(`admin surface at ${publicUrl}`, () => {
    const mount = new URL(publicUrl).pathname.replace(/\/$/, '');
    let issuer: InProcessIssuer;
    let cookie: string;
    let csrf: string;
    const ids: Record<string, string> = {};

    const isPublic = (method: string, url: string) => publicEntry(method, url) !== undefined;
    const publicEntry = (method: string, url: string) =>
      PUBLIC.find((p) => {
        const full = p.root ? p.path.replace('{mount}', mount) : `${mount}${p.path}`;
        return full === url && (p.method === method || (method === 'HEAD' && p.method === 'GET'));
      });
    const corsOpen = (url: string) => PUBLIC.some((p) => p.cors && (p.root ? p.path.replace('{mount}', mount) : `${mount}${p.path}`) === url);
    const concrete = (url: string) =>
      url.replace(/:(\w+)/g, (_m, name: string) => ids[name] ?? 'x').replace(/\*$/, 'x') || '/';

    before(async () => {
      issuer = await startInProcess({ PUBLIC_URL: publicUrl });
      const auth = new DashboardAuth(ADMIN_TOKEN);
      const value = auth.issueCookieValue(Date.now());
      cookie = `${COOKIE_NAME}=${encodeURIComponent(value)}`;
      csrf = auth.csrfToken(value);
      // Real ids, so pages render their content (not 404 pages) during the header walk.
      const offer = await issuer.app.inject({
        method: 'POST',
        url: `${mount}/credential_offers`,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        payload: { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] },
      });
      assert.equal(offer.statusCode, 201);
      ids.id = offer.json().session_id;
      ids.offerId = offer.json().offer_id;
      const share = await issuer.app.inject({ method: 'POST', url: `${mount}/sessions/${ids.id}/share`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: {} });
      ids.token = new URL(share.json().url).pathname.split('/').pop()!;
    });
    after(async () => issuer.close());

    it('has a route for every entry of the public allow-list (the list is not stale)', () => {
      for (const p of PUBLIC.filter((e) => !e.optional)) {
        const full = p.root ? p.path.replace('{mount}', mount) : `${mount}${p.path}`;
        assert.ok(issuer.routes.some((r) => r.url === full && r.method === p.method), `allow-listed ${p.method} ${full} is not registered`);
      }
    });

    it('refuses every non-public route without the admin token or dashboard cookie, and does nothing', async () => {
      const before = await issuer.deps.store.sessions.list({ limit: 1, offset: 0 });
      const guarded = issuer.routes.filter((r) => r.method !== 'OPTIONS' && !isPublic(r.method, r.url));
      assert.ok(guarded.length >= 20, `only ${guarded.length} guarded routes found: is the walk seeing the routes?`);
      const attempts: Record<string, string>[] = [
        {},
        { authorization: 'Bearer wrong-token-wrong-token-0000' },
        { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` },
        { cookie: `${COOKIE_NAME}=99999999999999.forged-mac` },
        { cookie: `${COOKIE_NAME}=${ADMIN_TOKEN}` },
      ];
      for (const route of guarded) {
        for (const headers of attempts) {
          const res = await issuer.app.inject({
            method: route.method as 'GET',
            url: concrete(route.url),
            headers: { ...headers, ...(route.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
            ...(route.method === 'POST' ? { payload: '{}' } : {}),
          });
          const toSignIn = res.statusCode === 303 && res.headers.location === `${mount}/`;
          assert.ok(
            res.statusCode === 401 || res.statusCode === 403 || toSignIn,
            `${route.method} ${route.url} with ${JSON.stringify(headers)} answered ${res.statusCode}: ${res.body.slice(0, 200)}`,
          );
          assert.ok(!res.body.includes(ids.id), `${route.method} ${route.url} leaked a session id`);
        }
      }
      const afterWalk = await issuer.deps.store.sessions.list({ limit: 1, offset: 0 });
      assert.equal(afterWalk.total, before.total, 'an unauthenticated request created something');
    });

    it('serves the guarded routes to the admin token and the signed-in cookie (the walk is not vacuous)', async () => {
      const api = await issuer.app.inject({ method: 'GET', url: `${mount}/sessions`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(api.statusCode, 200);
      const page = await issuer.app.inject({ method: 'GET', url: `${mount}/ui/sessions/${ids.id}`, headers: { cookie } });
      assert.equal(page.statusCode, 200);
      assert.ok(page.body.includes(ids.id));
      const root = await issuer.app.inject({ method: 'GET', url: `${mount}/` });
      assert.match(root.body, /name="token"/, 'the dashboard root shows the sign-in form when not signed in');
      assert.ok(!root.body.includes(ids.id), 'the sign-in page lists no session');
    });

    it('sends CSP with frame-ancestors none, no inline script, DENY, no-referrer and nosniff on every HTML page', async () => {
      const pages: string[] = [];
      const gets = issuer.routes.filter((r) => r.method === 'GET' && !r.url.endsWith('/stream'));
      for (const route of gets) {
        for (const headers of [{}, { cookie }]) {
          const res = await issuer.app.inject({ method: 'GET', url: concrete(route.url), headers });
          assert.equal(res.headers['x-content-type-options'], 'nosniff', `${route.url}: nosniff`);
          if (!String(res.headers['content-type'] ?? '').startsWith('text/html')) continue;
          pages.push(route.url);
          const csp = String(res.headers['content-security-policy'] ?? '');
          assert.match(csp, /frame-ancestors 'none'/, `${route.url}: CSP ${csp}`);
          const scripts = /script-src ([^;]*)/.exec(csp)?.[1] ?? /default-src ([^;]*)/.exec(csp)?.[1] ?? '';
          assert.ok(!scripts.includes("'unsafe-inline'") && !/\*/.test(scripts), `${route.url}: script-src allows inline or any origin: ${csp}`);
          assert.equal(res.headers['x-frame-options'], 'DENY', route.url);
          assert.equal(res.headers['referrer-policy'], 'no-referrer', route.url);
          // A page's own inline scripts must carry the nonce its CSP names (the inspector).
          for (const tag of res.body.match(/<script(?![^>]*\bsrc=)(?![^>]*type="application\/json")[^>]*>/g) ?? []) {
            const nonce = /nonce="([^"]+)"/.exec(tag)?.[1];
            assert.ok(nonce && csp.includes(`'nonce-${nonce}'`), `${route.url}: inline script without a matching nonce: ${tag}`);
          }
        }
      }
      assert.ok(pages.length >= 8, `only ${pages.length} HTML pages seen`);
    });

    it('answers CORS (any origin, preflight) on wallet-facing routes only, never on admin or dashboard routes', async () => {
      const origin = 'https://web-wallet.example';
      let open = 0;
      for (const route of issuer.routes.filter((r) => r.method === 'GET' || r.method === 'POST')) {
        const url = concrete(route.url);
        if (url.endsWith('/stream')) continue;
        const res = await issuer.app.inject({ method: route.method as 'GET', url, headers: { origin } });
        const preflight = await issuer.app.inject({
          method: 'OPTIONS',
          url,
          headers: { origin, 'access-control-request-method': route.method, 'access-control-request-headers': 'authorization, dpop, content-type' },
        });
        if (corsOpen(route.url)) {
          open++;
          assert.equal(res.headers['access-control-allow-origin'], '*', `${route.method} ${route.url}`);
          assert.match(String(res.headers['access-control-expose-headers']), /dpop-nonce/);
          assert.equal(preflight.statusCode, 204, `preflight ${route.url}`);
          assert.equal(preflight.headers['access-control-allow-origin'], '*');
          for (const h of ['authorization', 'dpop', 'content-type']) assert.match(String(preflight.headers['access-control-allow-headers']), new RegExp(h));
          assert.match(String(preflight.headers['access-control-allow-methods']), new RegExp(route.method));
          assert.equal(preflight.headers['access-control-allow-credentials'], undefined);
        } else {
          assert.equal(res.headers['access-control-allow-origin'], undefined, `${route.method} ${route.url} is CORS-open`);
          assert.equal(preflight.headers['access-control-allow-origin'], undefined, `preflight ${route.url} is CORS-open`);
          assert.ok(preflight.statusCode >= 400, `preflight ${route.url} answered ${preflight.statusCode}`);
        }
      }
      assert.ok(open >= 10, `only ${open} CORS-open routes seen`);
    });

    it('signs in with an HttpOnly SameSite=Strict cookie (Secure on https) and requires the CSRF token on every form', async () => {
      const signIn = await issuer.app.inject({ method: 'POST', url: `${mount}/ui/sign-in`, payload: `token=${ADMIN_TOKEN}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(signIn.statusCode, 303);
      const setCookie = String(signIn.headers['set-cookie']);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.match(setCookie, new RegExp(`Path=${mount || '/'}(;|$)`));
      assert.equal(/;\s*Secure/.test(setCookie), publicUrl.startsWith('https:'), `Secure flag: ${setCookie}`);

      const form = (body: string) =>
        issuer.app.inject({ method: 'POST', url: `${mount}/ui/offers`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
      const offerFields = 'credential_configuration_ids=eu.europa.ec.eudi.pid_vc_sd_jwt&grant=pre_authorized_code&by_reference=on';
      assert.equal((await form(offerFields)).statusCode, 403, 'no CSRF token');
      assert.equal((await form(`${offerFields}&csrf=${'A'.repeat(43)}`)).statusCode, 403, 'wrong CSRF token');
      const otherCsrf = new DashboardAuth(ADMIN_TOKEN).csrfToken(new DashboardAuth(ADMIN_TOKEN).issueCookieValue(Date.now() + 1000));
      assert.equal((await form(`${offerFields}&csrf=${otherCsrf}`)).statusCode, 403, 'CSRF token of another sign-in');
      assert.equal((await form(`${offerFields}&csrf=${encodeURIComponent(csrf)}`)).statusCode, 201, 'right CSRF token');
      const signOut = await issuer.app.inject({ method: 'POST', url: `${mount}/ui/sign-out`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
      assert.equal(signOut.statusCode, 403, 'sign-out without CSRF token');
    });
  });
}

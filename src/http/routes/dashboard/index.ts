import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { cookieHeader, SIGN_IN_SECONDS } from '../../../dashboard/auth.js';
import { docsPage, errorPage, signInPage, trustPage } from '../../../dashboard/pages/simple.js';
import { hashSecret } from '../../../core/ids.js';
import { ProtocolError } from '../../../core/diagnostics.js';
import { enforceRateLimit } from '../../rate-limit.js';
import { createOpenApiDocument } from '../../openapi.js';
import { urlsFor } from '../../urls.js';
import { createDashboardContext, field, parseFormBody, sendPage, type DashboardDeps, type FormBody } from './context.js';
import { offerPages } from './offer-pages.js';
import { compatibilityPages } from './compatibility-pages.js';
import { referenceWalletRoutes } from './reference-wallet.js';
import { sessionPages } from './session-pages.js';
import { verifierPages } from './verifier-pages.js';
import { testPlanPages } from './test-plan-pages.js';
import { renderSessionPage, streamSessionPage } from './session-view.js';

/** The sign-in limit, counted in the database like the wallet endpoints' limits (it holds across instances). */
async function signInLimited(deps: DashboardDeps, address: string): Promise<{ retryAfter: string } | null> {
  try {
    await enforceRateLimit(deps, 'signin', address, deps.config.rateLimitSigninPerMinute);
    return null;
  } catch (err) {
    if (err instanceof ProtocolError) return { retryAfter: err.headers['retry-after'] ?? '60' };
    throw err;
  }
}

const asset = (name: string) => readFileSync(new URL(`../../../dashboard/assets/${name}`, import.meta.url), 'utf8');

/**
 * The web dashboard (server-rendered HTML, one small script, no build step) and the public
 * pages around it: sign-in, trust material, API docs, read-only share links. The signed-in
 * area is its own encapsulated context with the cookie check and CSRF check as hooks.
 */
export async function dashboardRoutes(app: FastifyInstance, deps: DashboardDeps): Promise<void> {
  const dash = createDashboardContext(deps);
  const assets = { 'app.js': asset('app.js'), 'app.css': asset('app.css') };
  const secure = deps.config.publicUrl.protocol === 'https:';

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: deps.config.bodyLimitBytes }, (_req, body, done) =>
    done(null, parseFormBody(body as string)),
  );
  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error(error);
    return sendPage(reply, errorPage(dash.page(request), status, status === 500 ? 'Internal error' : error.message), status);
  });

  app.get('/', async (request, reply) => {
    if (!(await dash.signedIn(request))) return sendPage(reply, signInPage(dash.page(request)));
    return sessionPages.renderList(deps, dash, request, reply);
  });

  app.post('/ui/sign-in', async (request, reply) => {
    // Every attempt counts, right or wrong, so guessing gets RATE_LIMIT_SIGNIN_PER_MINUTE tries per address.
    const limited = await signInLimited(deps, request.ip);
    if (limited) {
      return sendPage(reply.header('retry-after', limited.retryAfter), signInPage(dash.page(request), `Too many sign-in attempts from this address: wait ${limited.retryAfter} s.`), 429);
    }
    const token = field((request.body ?? {}) as FormBody, 'token') ?? '';
    if (!dash.auth.checkAdminToken(token.trim())) return sendPage(reply, signInPage(dash.page(request), 'That is not the admin token.'), 401);
    const value = dash.auth.issueCookieValue(deps.clock.nowMs());
    return reply.header('set-cookie', cookieHeader(value, { path: dash.base || '/', secure, maxAgeSeconds: SIGN_IN_SECONDS })).redirect(`${dash.base}/`, 303);
  });

  for (const [name, type] of [['app.js', 'text/javascript'], ['app.css', 'text/css']] as const) {
    app.get(`/ui/assets/${name}`, async (_request, reply) => reply.type(`${type}; charset=utf-8`).header('cache-control', 'no-cache').send(assets[name]));
  }

  // Trust material is public by nature: wallets and verifiers load it.
  const { keys } = deps;
  app.get('/trust', async (request, reply) =>
    sendPage(
      reply,
      trustPage(dash.page(request), {
        rootPem: keys.rootCertificatePem,
        documentSignerPem: keys.documentSignerCertificatePem,
        x5c: keys.signer.x5c,
        jwks: keys.jwks,
        jwksUrl: urlsFor(deps.config, request).endpoint('jwks'),
      }),
    ),
  );
  const pem = (der64: string) => `-----BEGIN CERTIFICATE-----\n${der64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
  const downloads: Record<string, [string, () => string]> = {
    'root.pem': ['application/x-pem-file', () => keys.rootCertificatePem],
    'document-signer.pem': ['application/x-pem-file', () => keys.documentSignerCertificatePem],
    'chain.pem': ['application/x-pem-file', () => keys.signer.x5c.map(pem).join('')],
    'x5c.json': ['application/json', () => JSON.stringify(keys.signer.x5c, null, 2)],
  };
  for (const [name, [type, body]] of Object.entries(downloads)) {
    app.get(`/trust/${name}`, async (_request, reply) =>
      reply.type(type).header('content-disposition', `attachment; filename="issuance-lab-${name}"`).send(body()),
    );
  }

  app.get('/openapi.json', async (request, reply) =>
    reply.type('application/json').send(JSON.stringify(createOpenApiDocument(urlsFor(deps.config, request).issuer), null, 2)),
  );
  app.get('/docs', async (request, reply) => sendPage(reply, docsPage(dash.page(request), createOpenApiDocument(urlsFor(deps.config, request).issuer))));

  // Read-only share links: the token is the only credential; expired or unknown is 404.
  const sharedSession = async (token: string) => {
    const link = await deps.store.shares.get(hashSecret(token));
    return link && link.expiresAt > deps.clock.nowMs() ? link : null;
  };
  app.get('/share/:token', async (request, reply) => {
    const token = (request.params as { token: string }).token;
    const link = await sharedSession(token);
    const ctx = { base: dash.base };
    if (!link) return sendPage(reply, errorPage(ctx, 404, 'This share link is unknown or has expired.'), 404);
    const page = await renderSessionPage(deps, ctx, link.sessionId, { readOnly: true, streamUrl: `${dash.base}/share/${token}/stream` });
    return page ? sendPage(reply, page) : sendPage(reply, errorPage(ctx, 404, 'The session is gone.'), 404);
  });
  app.get('/share/:token/stream', async (request, reply) => {
    const link = await sharedSession((request.params as { token: string }).token);
    if (!link) return reply.code(404).send();
    await streamSessionPage(deps, request, reply, link.sessionId, { tokenHash: link.tokenHash, endsInMs: link.expiresAt - deps.clock.nowMs() });
  });

  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', dash.requireSignedIn);
    signedIn.addHook('preHandler', dash.checkCsrf);
    signedIn.post('/ui/sign-out', async (request, reply) => {
      // Server-side too: a copy of the cookie (another browser, a proxy log) stops working now.
      await dash.signOut(request);
      return reply.header('set-cookie', cookieHeader('', { path: dash.base || '/', secure, maxAgeSeconds: 0 })).redirect(`${dash.base}/`, 303);
    });
    await sessionPages.register(signedIn, deps, dash);
    await offerPages(signedIn, deps, dash);
    // Wallet compatibility matrix, and the reference wallet run on a twin of an offer.
    await compatibilityPages(signedIn, deps, dash);
    await referenceWalletRoutes(signedIn, deps, dash);
    await verifierPages(signedIn, deps, dash);
    await testPlanPages(signedIn, deps, dash);
  });
}

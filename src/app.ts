import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TenantHost } from './tenants/tenant-host.js';
import { tenantRoutes } from './http/routes/admin/tenants.js';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { AppDeps } from './http/app-deps.js';
import { adminRoutes } from './http/routes/admin/index.js';
import { dashboardRoutes } from './http/routes/dashboard/index.js';
import { closeAllStreams } from './http/sse.js';
import { drainAfterFlushTasks } from './session-log/request-recorder.js';
import { inspectRoutes } from './http/routes/admin/inspect.js';
import { inspectPageRoutes } from './http/routes/inspect-page/index.js';
import { metadataRoutes } from './http/routes/wallet/metadata.js';
import { walletRoutes } from './http/routes/wallet/index.js';
import { authorizeRoutes } from './http/routes/authorize/index.js';
import { statusListRoutes } from './http/routes/wallet/status-list.js';
import { statusAdminRoutes } from './http/routes/admin/status.js';
import { verifierWalletRoutes } from './http/routes/verifier/index.js';
import { mountPath } from './http/urls.js';
import { proxyTrustOf } from './http/trusted-proxies.js';
import { createProcessMetrics, DEPLOYMENT_TENANT, type ProcessMetrics } from './http/plugins/metrics.js';
import { opsRoutes, type OpsState } from './http/routes/ops/index.js';
import { openCors } from './http/plugins/cors.js';
import { limitJsonDepth } from './http/plugins/json-depth.js';
import { testPlanLinkRoutes } from './http/routes/test-plan-links.js';
import { registerRootErrorHandling } from './http/plugins/errors.js';
import { registerSecurityHeaders } from './http/plugins/security-headers.js';

export interface AppOptions {
  logger?: boolean | { level: string };
  https?: { cert: Buffer; key: Buffer };
  /** The process logger (main.ts: structured JSON via pino); takes precedence over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  /** Lifecycle seen by /readyz (main.ts flips it on SIGTERM). */
  ops?: OpsState;
  /** Tenants: requests for a tenant are handed to its own app before routing here. */
  tenants?: TenantHost;
  /** Sees every route as it is registered (tests audit that each non-public one needs the admin token). */
  onRoute?: (route: RouteOptions) => void;
  /** The process's metrics (main.ts: one for the deployment and its tenants); default: the app's own. */
  metrics?: ProcessMetrics;
  /** Set when this app is a tenant's: its metrics label, and its own `{PUBLIC_URL path}/metrics`. */
  tenantId?: string;
}

/**
 * The server that listens, HTTP or HTTPS, built here and not by Fastify: a tenant's request goes
 * to its own app before routing, and the slow-client limits must sit on this very server
 * (Fastify ignores its requestTimeout option once a serverFactory is given).
 */
function listeningServerFactory(deps: AppDeps, https: AppOptions['https'], tenants: TenantHost | undefined) {
  const timeoutMs = deps.config.hardening.requestTimeoutSeconds * 1000;
  const options = {
    maxHeaderSize: deps.config.hardening.headerLimitBytes,
    // The request head and the whole request must arrive within the timeout (slow-loris);
    // streams that answer slowly are not affected. 0 turns both off.
    requestTimeout: timeoutMs,
    headersTimeout: timeoutMs,
    // Node checks both at this period (30 s by default, which doubled the promised limit).
    connectionsCheckingInterval: timeoutMs > 0 ? Math.min(30_000, Math.max(100, Math.floor(timeoutMs / 4))) : 30_000,
  };
  return (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
    const dispatch = tenants
      ? (req: IncomingMessage, res: ServerResponse) => {
          if (!tenants.dispatch(req, res)) handler(req, res);
        }
      : handler;
    const server = https ? createHttpsServer({ ...https, ...options }, dispatch) : createHttpServer(options, dispatch);
    // Fastify's own default (Node's 5 s closes idle keep-alive connections of wallets early).
    server.keepAliveTimeout = 72_000;
    return server;
  };
}

/**
 * The sole wiring point: wallet, metadata and admin are separate encapsulated contexts, each
 * with its own body handling and error handler. Everything is registered explicitly here.
 */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    bodyLimit: deps.config.bodyLimitBytes,
    // request.ip follows X-Forwarded-For only as far as TRUST_PROXY says proxies stand in front.
    trustProxy: proxyTrustOf(deps.config.trustProxy),
    // Our own request ids go into the session log and the x-request-id header.
    logController: new LogController({ disableRequestLogging: true }),
    // Input limits: request head size (431 beyond) and time to receive a request, on the server that listens.
    serverFactory: listeningServerFactory(deps, options.https, options.tenants),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // Hardening, before any context is registered so that every one inherits them:
  // no internals in error bodies, security headers on every response, route audit for tests.
  registerRootErrorHandling(app, deps);
  registerSecurityHeaders(app);
  if (options.onRoute) app.addHook('onRoute', options.onRoute);

  const prefix = mountPath(deps.config);
  // Metrics hooks first, so every context registered below inherits them.
  const metrics = options.metrics ?? createProcessMetrics();
  const detachMetrics = metrics.attach(app, deps, options.tenantId ?? DEPLOYMENT_TENANT);
  app.addHook('onClose', async () => detachMetrics());
  await app.register(async (instance) => opsRoutes(instance, deps, metrics, options.ops ?? { draining: () => false }, options.tenantId));
  // Wallet-facing contexts are CORS-open for web wallets; the others are not.
  await app.register(async (instance) => {
    openCors(instance);
    await metadataRoutes(instance, deps);
  });
  await app.register(async (instance) => {
    openCors(instance);
    await walletRoutes(instance, deps);
  }, { prefix });
  // Browser-facing: the authorization endpoint's HTML login/consent page.
  await app.register(async (instance) => {
    await authorizeRoutes(instance, deps);
  }, { prefix });
  await app.register(async (instance) => {
    limitJsonDepth(instance);
    await adminRoutes(instance, deps);
    await inspectRoutes(instance, deps);
  }, { prefix });
  // The inspector page holds no data (it calls POST /inspect with the admin token), so it is public.
  await app.register(async (instance) => inspectPageRoutes(instance, deps), { prefix });
  await app.register(async (instance) => {
    openCors(instance);
    await statusListRoutes(instance, deps);
  }, { prefix });
  // The OpenID4VP verifier's wallet-facing endpoints (request_uri, response_uri, result page).
  await app.register(async (instance) => {
    openCors(instance);
    await verifierWalletRoutes(instance, deps);
  }, { prefix });
  await app.register(async (instance) => {
    limitJsonDepth(instance);
    await statusAdminRoutes(instance, deps);
  }, { prefix });
  if (options.tenants) {
    const tenants = options.tenants;
    await app.register(async (instance) => {
      limitJsonDepth(instance);
      await tenantRoutes(instance, deps, tenants);
    }, { prefix });
  }
  // Test plan runs: the wallet's run link and the read-only report link (bearer tokens, no admin token).
  await app.register(async (instance) => testPlanLinkRoutes(instance, deps), { prefix });
  // The web dashboard (root page, signed-in area, share links, trust material, API docs).
  await app.register(async (instance) => dashboardRoutes(instance, deps), { prefix });
  // Live views (SSE) would otherwise hold app.close() open until every browser leaves.
  app.addHook('preClose', async () => closeAllStreams());
  // Self-checks of issued credentials run after the reply; let them land before the store closes.
  app.addHook('onClose', async () => drainAfterFlushTasks());
  return app;
}

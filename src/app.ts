import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { IssuerDeps } from './protocol/deps.js';
import { adminRoutes } from './http/routes/admin/index.js';
import { metadataRoutes } from './http/routes/wallet/metadata.js';
import { walletRoutes } from './http/routes/wallet/index.js';
import { mountPath } from './http/urls.js';

export interface AppDeps extends IssuerDeps {
  adminToken: string;
}

export interface AppOptions {
  logger?: boolean | { level: string };
  https?: { cert: Buffer; key: Buffer };
}

/**
 * The sole wiring point: wallet, metadata and admin are separate encapsulated contexts, each
 * with its own body handling and error handler. Everything is registered explicitly here.
 */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: deps.config.bodyLimitBytes,
    // Our own request ids go into the session log and the x-request-id header.
    logController: new LogController({ disableRequestLogging: true }),
    ...(options.https ? { https: options.https } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;

  const prefix = mountPath(deps.config);
  await app.register(async (instance) => metadataRoutes(instance, deps));
  await app.register(async (instance) => walletRoutes(instance, deps), { prefix });
  await app.register(async (instance) => adminRoutes(instance, deps), { prefix });
  return app;
}

import type { FastifyInstance } from 'fastify';
import type { Config } from '../../../config/config.js';
import type { IssuerKeyMaterial } from '../../../crypto/issuer-keys.types.js';
import { timingSafeEqualText } from '../../../crypto/constant-time.js';
import type { Store } from '../../../store/store.js';
import type { ProcessMetrics } from '../../plugins/metrics.js';
import { mountPath } from '../../urls.js';

export interface OpsState {
  /** True once SIGTERM arrived: /readyz turns 503 so the load balancer stops sending traffic. */
  draining(): boolean;
}

export interface OpsDeps {
  config: Pick<Config, 'metricsToken' | 'publicUrl'>;
  store: Store;
  keys: IssuerKeyMaterial;
  adminToken: string;
}

const READY_TIMEOUT_MS = 2000;

/**
 * Probes and metrics for operators, at the server root (not under PUBLIC_URL's path): load
 * balancers and Prometheus talk to each instance directly.
 * - GET /healthz: the process is up and serving (liveness). No dependencies checked.
 * - GET /readyz: the database answers a trivial query and takes a write, the issuer keys are
 *   loaded, and the instance is not shutting down (readiness). Details of a failure go to the process log, not
 *   to the unauthenticated caller.
 * - GET /metrics: Prometheus text; Bearer METRICS_TOKEN (scrapers need no admin power) or
 *   ADMIN_TOKEN. Counts are not secrets, but they tell an outsider how busy the issuer is.
 */
export async function opsRoutes(app: FastifyInstance, deps: OpsDeps, metrics: ProcessMetrics, state: OpsState, tenantId?: string): Promise<void> {
  app.get('/healthz', async (_request, reply) => reply.header('cache-control', 'no-store').send({ status: 'ok' }));

  app.get('/readyz', async (request, reply) => {
    const checks: Record<string, 'ok' | 'failed'> = {};
    try {
      await withTimeout(deps.store.maintenance.ping(), READY_TIMEOUT_MS);
      checks.database = 'ok';
    } catch (err) {
      checks.database = 'failed';
      request.log.warn({ err }, 'readiness: database unreachable');
    }
    // Reads can work while writes fail (a full disk, a locked or read-only database): then every
    // offer, nonce and token request fails, so readiness needs a write too. One counter row per
    // minute, the same upsert the rate limits use.
    try {
      await withTimeout(deps.store.rateLimits.hit('readyz:write-probe', 60_000, Date.now()), READY_TIMEOUT_MS);
      checks.database_writes = 'ok';
    } catch (err) {
      checks.database_writes = 'failed';
      request.log.warn({ err }, 'readiness: database refuses writes');
    }
    checks.keys = deps.keys.signer && deps.keys.jwks.keys.length > 0 ? 'ok' : 'failed';
    checks.accepting = state.draining() ? 'failed' : 'ok';
    const ready = Object.values(checks).every((c) => c === 'ok');
    return reply
      .code(ready ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status: ready ? 'ready' : state.draining() ? 'shutting_down' : 'not_ready', checks });
  });

  // A tenant's app serves its own series under its path ({PUBLIC_URL path}/{tenant}/metrics),
  // for the tenant's admin token or METRICS_TOKEN; the root /metrics (every tenant, with the
  // process metrics) is the deployment's, and requests for it never reach a tenant's app.
  const path = tenantId === undefined ? '/metrics' : `${mountPath(deps.config)}/metrics`;
  app.get(path, async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    const allowed = [deps.config.metricsToken, deps.adminToken].filter((t): t is string => Boolean(t));
    // Compare against every allowed token, so the time taken does not tell which one matched.
    const ok = token !== '' && allowed.map((t) => timingSafeEqualText(token, t)).some(Boolean);
    if (!ok) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="issuance-lab metrics"')
        .send({ error: 'unauthorized', error_description: `Send Authorization: Bearer <METRICS_TOKEN> (or the ${tenantId === undefined ? '' : 'tenant\'s '}admin token)` });
    }
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(await metrics.render(tenantId));
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]);
}

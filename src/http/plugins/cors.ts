import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * CORS for the wallet-facing contexts: web wallets call the issuer from their own
 * origin, so metadata, JWKS, offers, token, PAR, nonce, credential, deferred and status lists
 * answer any origin and their preflights. Nothing here carries cookies (bearer and DPoP travel
 * in headers), so `*` is safe and credentials are never allowed. Contexts that do not call
 * `openCors` — admin API, dashboard, inspector, consent page — send no CORS headers and have no
 * preflight route, so a browser refuses cross-origin calls to them.
 */

/** Request headers a web wallet sends (RFC 6750, RFC 9449, attestation-based client auth). */
const ALLOW_HEADERS = ['authorization', 'content-type', 'dpop', 'oauth-client-attestation', 'oauth-client-attestation-pop', 'accept'];
/** Response headers a web wallet must read: DPoP nonce (RFC 9449 §8), challenges, back-off, our request id. */
const EXPOSE_HEADERS = ['dpop-nonce', 'www-authenticate', 'retry-after', 'x-request-id'];
const PREFLIGHT_MAX_AGE_SECONDS = 600;

const kPreflight = Symbol('cors-preflight');

/** Call first thing inside a context's plugin: every route registered after it is CORS-open. */
export function openCors(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('access-control-allow-origin', '*');
    reply.header('access-control-expose-headers', EXPOSE_HEADERS.join(', '));
    return payload;
  });
  // One OPTIONS route per path (Fastify's documented way to add routes from onRoute: tagged).
  const seen = new Set<string>();
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions & { prefix?: string }) {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    if ((route.config as Record<symbol, unknown> | undefined)?.[kPreflight] || methods.every((m) => m === 'HEAD' || m === 'OPTIONS')) return;
    if (seen.has(route.url!)) return;
    seen.add(route.url!);
    const prefix = route.prefix ?? '';
    this.route({
      method: 'OPTIONS',
      url: route.url!.startsWith(prefix) ? route.url!.slice(prefix.length) || '/' : route.url!,
      config: { [kPreflight]: true },
      handler: async (_request, reply) =>
        reply
          .code(204)
          .header('access-control-allow-methods', 'GET, POST, OPTIONS')
          .header('access-control-allow-headers', ALLOW_HEADERS.join(', '))
          .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS))
          .send(),
    });
  });
}

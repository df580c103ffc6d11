import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { catalogue, fail, ProtocolError, toErrorDescription } from '../../core/diagnostics.js';
import type { IssuerDeps } from '../../protocol/deps.js';
import { runEndpoint } from '../endpoint.js';
import { enforceRateLimit } from '../rate-limit.js';

/**
 * The root context's error and not-found handlers. Contexts with their own handler
 * (wallet, admin, dashboard) keep it; everything else — metadata, JWKS, status lists, probes,
 * the inspector page, status admin — falls back to these. Fastify's default handler would send
 * `error.message` even for a 500, which can carry SQL, file paths or key file names: here a 5xx
 * says "Internal error" and the details go to the process log only.
 */
export function registerRootErrorHandling(app: FastifyInstance, deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      request.log.error({ err: error }, 'internal error');
      return reply.code(500).header('cache-control', 'no-store').send({ error: 'server_error', error_description: 'Internal error' });
    }
    // Fastify's own 4xx (bad JSON, 413, 415) name the problem and nothing internal.
    return reply.code(status).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: toErrorDescription(error.message) });
  });

  app.setNotFoundHandler((request, reply) => answerUnknownRoute(deps, request, reply));
}

/**
 * The one handler for errors Fastify raises before a wallet-facing or authorization route runs
 * (body over the limit, a body that did not arrive as its Content-Length said): they become a
 * logged spec error of that endpoint, like any refusal, and never Fastify's default body.
 */
export function wireErrorHandler(deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const endpoint = (request.routeOptions.config as { endpoint?: string } | undefined)?.endpoint ?? 'unknown_route';
    return runEndpoint(deps, endpoint, request, reply, async () => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') fail('request.body.too_large', `The body exceeds ${deps.config.bodyLimitBytes} bytes`, { path: 'body' });
      if (error.statusCode && error.statusCode < 500) fail('request.body.unreadable', `The request could not be read: ${error.message}`, { path: 'body' });
      throw error;
    });
  };
}

/**
 * A wallet that calls a wrong path (a typo, a trailing slash on the well-known URL) should find
 * that in the unbound requests log; a browser asking for a page or favicon that does not exist
 * should not fill that log, so those get the same answer without a log row.
 */
async function answerUnknownRoute(deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>, request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  const reason = `No endpoint ${request.method} ${path.slice(0, 200)}`;
  const browserGet = (request.method === 'GET' || request.method === 'HEAD') && (/text\/html/.test(request.headers.accept ?? '') || path.endsWith('/favicon.ico'));
  if (browserGet || request.method === 'OPTIONS') {
    const entry = catalogue['request.route.unknown'];
    return reply.code(entry.status).header('cache-control', 'no-store').send({ error: entry.error, error_description: toErrorDescription(reason) });
  }
  // Anyone can call unknown paths: past the limit nothing more is written for this address.
  try {
    await enforceRateLimit(deps, 'unbound', request.ip, deps.config.hardening.unboundPerMinute);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return reply
      .code(err.status)
      .headers({ ...err.headers, 'cache-control': 'no-store' })
      .send({ error: err.error, error_description: toErrorDescription(`${err.diagnostic.reason} (requests to unknown paths or of no session; RATE_LIMIT_UNBOUND_PER_MINUTE)`) });
  }
  return runEndpoint(deps, 'unknown_route', request, reply, async () => fail('request.route.unknown', reason, { path: 'url' }));
}

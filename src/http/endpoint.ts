import type { FastifyReply, FastifyRequest } from 'fastify';
import { diagnose, ProtocolError, toErrorDescription } from '../core/diagnostics.js';
import { newId } from '../core/ids.js';
import type { IssuerDeps, ProtocolResponse } from '../protocol/deps.js';
import type { ProtocolRequest, RequestBody } from '../protocol/request.js';
import { secretsCarried, sessionOfSecrets } from './attach-by-secret.js';
import { RequestRecorder } from '../session-log/request-recorder.js';
import { redactBody, redactHeaders, redactPath, redactResponseBody } from '../session-log/redact.js';
import { readProtocolRequest } from './protocol-request.js';
import { enforceRateLimit, RATE_LIMITED_ENDPOINTS, withinRateLimit } from './rate-limit.js';

/**
 * Runs one wallet-facing endpoint: reads the request once (ProtocolRequest), records it, runs
 * the protocol handler, turns a ProtocolError into the spec's error body, writes the session log
 * BEFORE replying (a credential that left the server is always on record), then replies with
 * the request id.
 */
export async function runEndpoint(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>,
  endpoint: string,
  fastifyRequest: FastifyRequest,
  reply: FastifyReply,
  handler: (request: ProtocolRequest, rec: RequestRecorder) => Promise<ProtocolResponse>,
): Promise<FastifyReply> {
  const request = readProtocolRequest(fastifyRequest, endpoint, newId('req'));
  const rec = new RequestRecorder(deps.clock, request.id, endpoint);
  const started = performance.now();
  const body = describeBody(request.body, request.rawBody);
  const requestEntry = rec.log('debug', `${request.method} ${endpoint}`, {
    method: request.method,
    path: redactPath(request.path, fastifyRequest.params, deps.serverSecret),
    headers: redactHeaders(request.headers, deps.serverSecret, deps.config.keepClientIps),
    // Client addresses only when the operator keeps them (KEEP_CLIENT_IPS); never on share links.
    ...(deps.config.keepClientIps ? { client_ip: request.clientIp } : {}),
    ...(body !== undefined ? { body: redactBody(body, deps.serverSecret) } : {}),
  });

  let response: ProtocolResponse;
  try {
    if (RATE_LIMITED_ENDPOINTS.has(endpoint)) {
      await enforceRateLimit(deps, endpoint, request.clientIp, deps.config.rateLimitPerMinute);
    }
    response = await handler(request, rec);
  } catch (err) {
    response = errorResponse(err, rec);
  }
  if (!rec.sessionId) {
    // Refused before its session was known (wrong media type, misspelled grant_type): a secret it
    // carries still tells which session it belongs to.
    const found = await sessionOfSecrets(deps.store, secretsCarried(request));
    if (found) {
      rec.bindSession(found.sessionId);
      rec.log('info', `Attached to this session by the ${found.via} the request carries (it was refused before the session was known)`, { attached_by: found.via });
    }
  }
  // The request entry also carries the outcome: one row per request, not two.
  requestEntry.message = `${request.method} ${endpoint} -> ${response.status}`;
  requestEntry.data = {
    ...requestEntry.data,
    status: response.status,
    duration_ms: Math.round((performance.now() - started) * 100) / 100,
    // What the wallet got back, so the log reads as a conversation: headers and body with secrets
    // fingerprinted and credentials as digests. An HTML page (login/consent) is not repeated.
    response_headers: redactHeaders({ ...response.headers, 'x-request-id': request.id }, deps.serverSecret),
    ...(response.body !== undefined ? { response: typeof response.body === 'string' ? describeTextResponse(response) : redactResponseBody(response.body, deps.serverSecret) } : {}),
  };
  // A request no session vouches for is written by anyone: past the per-address budget of such
  // requests (unknown paths count against it too), it is answered but not logged. The
  // rate-limited endpoints (token, nonce, PAR) have their own limit, and a nonce request's
  // entries are adopted by its session later.
  if (rec.sessionId === null && !RATE_LIMITED_ENDPOINTS.has(endpoint) && endpoint !== 'unknown_route') {
    if (!(await withinRateLimit(deps, 'unbound', request.clientIp, deps.config.hardening.unboundPerMinute))) rec.discardLogs();
  }
  await rec.flush(deps.store);

  reply.code(response.status).header('x-request-id', request.id);
  for (const [name, value] of Object.entries(response.headers ?? {})) reply.header(name, value);
  if (response.body === undefined) return reply.send();
  // Browser pages (login/consent) are HTML and set their own content type.
  if (typeof response.body === 'string' && response.headers?.['content-type']) return reply.send(response.body);
  return reply.type('application/json').send(JSON.stringify(response.body));
}

/** Longest body text the log keeps of a body that is not a form or JSON. */
const LOGGED_TEXT = 2000;

/**
 * The body as the log shows it: exactly what the protocol judged. A form keeps every value of
 * a repeated parameter (as an array), so the log shows the duplicate the protocol refused.
 */
export function describeBody(body: RequestBody, raw: string): unknown {
  switch (body.kind) {
    case 'empty':
      return undefined;
    case 'json':
      return body.value;
    case 'form': {
      const out: Record<string, string | string[]> = {};
      for (const [key, value] of body.pairs) {
        const seen = out[key];
        out[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
      }
      return out;
    }
    case 'text':
    case 'invalid_json':
      return raw.length > LOGGED_TEXT ? `${raw.slice(0, LOGGED_TEXT)}...` : raw;
  }
}

function errorResponse(err: unknown, rec: RequestRecorder): ProtocolResponse {
  if (err instanceof ProtocolError) {
    rec.diagnostic(err.diagnostic);
    return {
      status: err.status,
      headers: { 'cache-control': 'no-store', ...err.headers },
      body: { error: err.error, error_description: toErrorDescription(err.diagnostic.reason) },
    };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const d = diagnose('server.internal', `Internal error: ${e.message}`);
  rec.log('error', 'Internal error while handling the request', { ...d, stack: e.stack });
  return { status: 500, headers: { 'cache-control': 'no-store' }, body: { error: 'server_error', error_description: 'Internal error; see the session log' } };
}

/**
 * A text answer as logged: an HTML page is not repeated, and a signed request object (OpenID4VP
 * request_uri) is not kept, since its payload holds the request's state; its handler logs what it served.
 */
function describeTextResponse(response: ProtocolResponse): string {
  const type = String(response.headers?.['content-type'] ?? '').split(';')[0];
  if (type === 'application/oauth-authz-req+jwt') return `(request object JWT, ${String(response.body).length} characters)`;
  return '(HTML page)';
}

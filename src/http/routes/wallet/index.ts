import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fail } from '../../../core/diagnostics.js';
import { parseJsonLimited } from '../../../core/input-limits.js';
import { parseForm } from '../../../protocol/oauth/form.js';
import { handleTokenRequest } from '../../../protocol/oauth/token.js';
import { handlePushedAuthorizationRequest } from '../../../protocol/oauth/par.js';
import type { EndpointName, IssuerDeps, IssuerUrls, ProtocolResponse, Recorder, ResourceHttpRequest } from '../../../protocol/deps.js';
import { handleCredentialRequest } from '../../../protocol/oid4vci/credential.js';
import { handleDeferredCredentialRequest } from '../../../protocol/oid4vci/deferred.js';
import { handleNonceRequest } from '../../../protocol/oid4vci/nonce.js';
import { handleNotificationRequest } from '../../../protocol/oid4vci/notification.js';
import { handleOfferRetrieval } from '../../../protocol/oid4vci/offer.js';
import { runEndpoint } from '../../endpoint.js';
import { routePaths, urlsFor } from '../../urls.js';

/**
 * Wallet-facing protocol endpoints. Bodies arrive as raw strings: protocol code parses them
 * itself so malformed input gets a spec error and a diagnostic, and nothing is coerced.
 */
export async function walletRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: deps.config.bodyLimitBytes }, (_req, body, done) => done(null, body));

  app.setErrorHandler((error: Error & { code?: string; statusCode?: number }, request, reply) => {
    const endpoint = request.routeOptions.url ?? request.url.split('?')[0];
    return runEndpoint(deps, endpoint, request, reply, async () => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        fail('request.body.too_large', `The body exceeds ${deps.config.bodyLimitBytes} bytes`, { path: 'body' });
      }
      if (error.statusCode && error.statusCode < 500) {
        fail('credential.request.malformed', `The request could not be read: ${error.message}`, { path: 'body' });
      }
      throw error;
    });
  });

  app.get(`${routePaths.credential_offer}/:offerId`, (request, reply) =>
    runEndpoint(deps, 'credential_offer', request, reply, (rec) =>
      handleOfferRetrieval(deps, (request.params as { offerId: string }).offerId, rec),
    ),
  );

  app.post(routePaths.token, (request, reply) =>
    runEndpoint(
      deps,
      'token',
      request,
      reply,
      async (rec) => {
        requireForm(request);
        return handleTokenRequest(deps, urlsFor(deps.config, request), parseForm(rawBody(request)), rec, request.headers.dpop, {
          attestation: request.headers['oauth-client-attestation'],
          pop: request.headers['oauth-client-attestation-pop'],
        });
      },
      (raw) => (typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : raw),
    ),
  );

  // RFC 9126: pushed authorization requests, form-encoded like the token endpoint.
  app.post(routePaths.par, (request, reply) =>
    runEndpoint(
      deps,
      'par',
      request,
      reply,
      async (rec) => {
        requireForm(request);
        return handlePushedAuthorizationRequest(
          deps,
          urlsFor(deps.config, request),
          {
            rawBody: rawBody(request),
            dpop: request.headers.dpop,
            clientAttestation: request.headers['oauth-client-attestation'],
            clientAttestationPop: request.headers['oauth-client-attestation-pop'],
          },
          rec,
        );
      },
      (raw) => (typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : raw),
    ),
  );

  app.post(routePaths.nonce, (request, reply) => runEndpoint(deps, 'nonce', request, reply, (rec) => handleNonceRequest(deps, rec)));

  // Resource endpoints: an access token in the headers, a JSON body, logged parsed.
  const resource = (path: string, endpoint: EndpointName, handle: (urls: IssuerUrls, http: ResourceHttpRequest, rec: Recorder) => Promise<ProtocolResponse>) =>
    app.post(path, (request, reply) =>
      runEndpoint(deps, endpoint, request, reply, (rec) => handle(urlsFor(deps.config, request), resourceRequest(request), rec), parseJsonForLog),
    );
  resource(routePaths.credential, 'credential', (urls, http, rec) => handleCredentialRequest(deps, urls, http, rec));
  // OID4VCI 1.0 §11 (issue 5).
  resource(routePaths.notification, 'notification', (urls, http, rec) => handleNotificationRequest(deps, urls, http, rec));
  resource(routePaths.deferred_credential, 'deferred_credential', (urls, http, rec) => handleDeferredCredentialRequest(deps, urls, http, rec));
}

function resourceRequest(request: FastifyRequest): ResourceHttpRequest {
  return { authorization: request.headers.authorization, dpop: request.headers.dpop, contentType: request.headers['content-type'], rawBody: rawBody(request) };
}

function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

function requireForm(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    fail('request.content_type.unsupported', `Content-Type ${type || '(none)'} is not application/x-www-form-urlencoded`, {
      path: 'headers.content-type',
      found: type,
    });
  }
}

function parseJsonForLog(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    // Depth-limited: a JSON bomb is logged as (truncated) text, never handed to JSON.stringify.
    return parseJsonLimited(raw);
  } catch {
    return raw.length > 2000 ? `${raw.slice(0, 2000)}...` : raw;
  }
}

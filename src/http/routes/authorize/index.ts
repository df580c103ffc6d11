import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IssuerDeps, ProtocolResponse } from '../../../protocol/deps.js';
import { handleAuthorizationRequest } from '../../../protocol/oauth/authorize.js';
import { handleConsent } from '../../../protocol/oauth/consent.js';
import type { AuthorizationOutcome } from '../../../protocol/oauth/consent-view.js';
import { runEndpoint } from '../../endpoint.js';
import { routePaths, urlsFor } from '../../urls.js';
import { pageHeaders } from './html.js';
import { renderConsentPage, renderErrorPage } from './pages.js';

/**
 * The browser-facing authorization endpoint and its login/consent form: a context of its own,
 * since it answers with HTML pages and redirects rather than JSON. Every request is logged on
 * its session like the wallet endpoints.
 */
export async function authorizeRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: deps.config.bodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.get(routePaths.authorization, (request, reply) =>
    runEndpoint(deps, 'authorization', request, reply, async (rec) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
      return toResponse(await handleAuthorizationRequest(deps, urlsFor(deps.config, request), query, rec));
    }),
  );

  app.post(`${routePaths.authorization}/consent`, (request, reply) =>
    runEndpoint(
      deps,
      'authorization_consent',
      request,
      reply,
      async (rec) => toResponse(await handleConsent(deps, urlsFor(deps.config, request), rawBody(request), rec)),
      (raw) => (typeof raw === 'string' ? Object.fromEntries(new URLSearchParams(raw)) : raw),
    ),
  );
}

function toResponse(outcome: AuthorizationOutcome): ProtocolResponse {
  switch (outcome.kind) {
    case 'redirect':
      // 303: the browser follows with GET, whatever method brought it here.
      return { status: 303, headers: { location: outcome.location, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' } };
    case 'page':
      return { status: outcome.status, headers: pageHeaders, body: renderConsentPage(outcome.view) };
    case 'error':
      return { status: outcome.status, headers: pageHeaders, body: renderErrorPage(outcome) };
  }
}

function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

import type { FastifyInstance } from 'fastify';
import type { IssuerDeps, ProtocolResponse } from '../../../protocol/deps.js';
import { handleAuthorizationRequest } from '../../../protocol/oauth/authorize.js';
import { handleConsent } from '../../../protocol/oauth/consent.js';
import type { AuthorizationOutcome } from '../../../protocol/oauth/consent-view.js';
import { requireContentType } from '../../../protocol/request.js';
import { runEndpoint } from '../../endpoint.js';
import { wireErrorHandler } from '../../plugins/errors.js';
import { acceptRawBodies } from '../../protocol-request.js';
import { routePaths, urlsFor } from '../../urls.js';
import { pageHeaders } from './html.js';
import { renderConsentPage, renderErrorPage } from './pages.js';

/**
 * The browser-facing authorization endpoint and its login/consent form: a context of its own,
 * since it answers with HTML pages and redirects rather than JSON. Every request is logged on
 * its session like the wallet endpoints, and read the same way (a ProtocolRequest).
 */
export async function authorizeRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  acceptRawBodies(app, deps.config.bodyLimitBytes);
  app.setErrorHandler(wireErrorHandler(deps));

  app.get(routePaths.authorization, { config: { endpoint: 'authorization' } }, (request, reply) =>
    runEndpoint(deps, 'authorization', request, reply, async (protocolRequest, rec) =>
      toResponse(await handleAuthorizationRequest(deps, urlsFor(deps.config, request), protocolRequest, rec)),
    ),
  );

  app.post(`${routePaths.authorization}/consent`, { config: { endpoint: 'authorization_consent' } }, (request, reply) =>
    runEndpoint(deps, 'authorization_consent', request, reply, async (protocolRequest, rec) => {
      // A wrong content type is answered in JSON, before the page logic (which answers in HTML).
      requireContentType(protocolRequest);
      return toResponse(await handleConsent(deps, urlsFor(deps.config, request), protocolRequest, rec));
    }),
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

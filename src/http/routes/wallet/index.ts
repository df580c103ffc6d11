import type { FastifyInstance } from 'fastify';
import { handleTokenRequest } from '../../../protocol/oauth/token.js';
import { handlePushedAuthorizationRequest } from '../../../protocol/oauth/par.js';
import type { EndpointName, IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../../../protocol/deps.js';
import type { ProtocolRequest } from '../../../protocol/request.js';
import { handleCredentialRequest } from '../../../protocol/oid4vci/credential.js';
import { handleDeferredCredentialRequest } from '../../../protocol/oid4vci/deferred.js';
import { handleNonceRequest } from '../../../protocol/oid4vci/nonce.js';
import { handleNotificationRequest } from '../../../protocol/oid4vci/notification.js';
import { handleOfferRetrieval } from '../../../protocol/oid4vci/offer.js';
import { runEndpoint } from '../../endpoint.js';
import { acceptRawBodies } from '../../protocol-request.js';
import { routePaths, urlsFor } from '../../urls.js';
import { wireErrorHandler } from '../../plugins/errors.js';

/**
 * Wallet-facing protocol endpoints. Bodies arrive as raw strings and are read once into a
 * ProtocolRequest: protocol code judges them, so malformed input gets a spec error and a
 * diagnostic, and nothing is coerced.
 */
export async function walletRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  acceptRawBodies(app, deps.config.bodyLimitBytes);
  app.setErrorHandler(wireErrorHandler(deps));

  const route = (method: 'GET' | 'POST', path: string, endpoint: EndpointName, handle: (urls: IssuerUrls, request: ProtocolRequest, rec: Recorder, params: Record<string, string>) => Promise<ProtocolResponse>) =>
    app.route({
      method,
      url: path,
      config: { endpoint },
      handler: (request, reply) =>
        runEndpoint(deps, endpoint, request, reply, (protocolRequest, rec) => handle(urlsFor(deps.config, request), protocolRequest, rec, request.params as Record<string, string>)),
    });

  route('GET', `${routePaths.credential_offer}/:offerId`, 'credential_offer', (_urls, _request, rec, params) => handleOfferRetrieval(deps, params.offerId, rec));
  route('POST', routePaths.token, 'token', (urls, request, rec) => handleTokenRequest(deps, urls, request, rec));
  // RFC 9126: pushed authorization requests, form-encoded like the token endpoint.
  route('POST', routePaths.par, 'par', (urls, request, rec) => handlePushedAuthorizationRequest(deps, urls, request, rec));
  route('POST', routePaths.nonce, 'nonce', (_urls, _request, rec) => handleNonceRequest(deps, rec));
  // Resource endpoints: an access token in the headers, a JSON (or JWE) body.
  route('POST', routePaths.credential, 'credential', (urls, request, rec) => handleCredentialRequest(deps, urls, request, rec));
  route('POST', routePaths.notification, 'notification', (urls, request, rec) => handleNotificationRequest(deps, urls, request, rec));
  route('POST', routePaths.deferred_credential, 'deferred_credential', (urls, request, rec) => handleDeferredCredentialRequest(deps, urls, request, rec));
}

import type { FastifyInstance } from 'fastify';
import { hashSecret } from '../../../core/ids.js';
import type { EndpointName, IssuerDeps, ProtocolResponse, Recorder } from '../../../protocol/deps.js';
import { handlePresentationResponse } from '../../../protocol/oid4vp/handle-response.js';
import { handleRequestUriRequest } from '../../../protocol/oid4vp/request-uri.js';
import type { ProtocolRequest } from '../../../protocol/request.js';
import { runEndpoint } from '../../endpoint.js';
import { wireErrorHandler } from '../../plugins/errors.js';
import { acceptRawBodies } from '../../protocol-request.js';
import { routePaths, urlsFor } from '../../urls.js';
import { renderPresentationResultPage } from './result-page.js';

/**
 * Wallet-facing verifier endpoints (OpenID4VP 1.0): the request_uri (GET, and POST with
 * wallet_metadata, §5.10), the response_uri (direct_post / direct_post.jwt, §8.2) and the
 * same-device result page the redirect_uri points at. Bodies arrive raw and are read once into
 * a ProtocolRequest: protocol code judges them, so every mistake gets its diagnostic.
 */
export async function verifierWalletRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  acceptRawBodies(app, deps.config.bodyLimitBytes);
  app.setErrorHandler(wireErrorHandler(deps));
  const route = (method: 'GET' | 'POST', path: string, endpoint: EndpointName, handle: (request: ProtocolRequest, rec: Recorder, params: Record<string, string>, urls: ReturnType<typeof urlsFor>) => Promise<ProtocolResponse>) =>
    app.route({
      method,
      url: path,
      config: { endpoint },
      handler: (request, reply) => runEndpoint(deps, endpoint, request, reply, (pr, rec) => handle(pr, rec, request.params as Record<string, string>, urlsFor(deps.config, request))),
    });
  const requestUri = (method: 'GET' | 'POST') => (request: ProtocolRequest, rec: Recorder, params: Record<string, string>) =>
    handleRequestUriRequest(deps, { method, token: params.requestToken, contentType: request.contentType, rawBody: request.rawBody }, rec);
  route('GET', `${routePaths.vp_request}/:requestToken`, 'vp_request', requestUri('GET'));
  route('POST', `${routePaths.vp_request}/:requestToken`, 'vp_request', requestUri('POST'));
  route('POST', routePaths.vp_response, 'vp_response', (request, rec, _params, urls) => handlePresentationResponse(deps, urls, { contentType: request.contentType, rawBody: request.rawBody }, rec));
  // The page a same-device wallet sends the browser to: the outcome, read with the response code.
  app.get(routePaths.vp_result, async (request, reply) => {
    const code = (request.query as { response_code?: string }).response_code;
    const found = typeof code === 'string' && code.length <= 100 ? await deps.store.presentations.getByResponseCode(hashSecret(code)) : null;
    const live = found && deps.clock.nowMs() < found.expiresAt + 10 * 60 * 1000 ? found : null;
    return reply
      .code(live ? 200 : 404)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(renderPresentationResultPage(live?.result ?? null));
  });
}

import { fail } from '../../core/diagnostics.js';
import { hashSecret, randomToken, redactSecret } from '../../core/ids.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { formPairs, requireContentType, singleValued, type ProtocolRequest } from '../request.js';
import { verifyAuthorizationParameters, verifyClient } from './authorization-request.js';
import { createDpopNonce } from './dpop-nonce.js';
import { verifyDpopProof } from './dpop.js';
import { authenticateClient } from './client-attestation.js';
import { recordAuthorizationRequested } from './record-authorization.js';

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/**
 * Pushed authorization request endpoint, RFC 9126. Runs the authorization request checks
 * (errors in token-endpoint format, §2.3), binds the future code to a DPoP key when the wallet
 * sends a DPoP proof or dpop_jkt (RFC 9449 §10), and answers 201 with a one-time request_uri.
 */
export async function handlePushedAuthorizationRequest(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret' | 'attestationTrust'>,
  urls: IssuerUrls,
  request: ProtocolRequest,
  rec: Recorder,
): Promise<ProtocolResponse> {
  requireContentType(request);
  const params = singleValued(formPairs(request), 'authorize.parameter.duplicated', '');
  if (params.request_uri !== undefined) fail('par.request_uri.forbidden', 'A pushed authorization request must not carry request_uri', { path: 'body.request_uri' });
  const client = verifyClient(params);
  const verified = await verifyAuthorizationParameters(deps, urls, params, client, rec);
  // Wallet attestation (ABCA -07 §6.4, HAIP 1.0 §4.4.1: client_id = attestation sub); required by strict mode or the offer.
  const attestation = { attestation: request.headers['oauth-client-attestation'], pop: request.headers['oauth-client-attestation-pop'], form: params };
  await authenticateClient(deps, urls, attestation, rec, async () => verified.session);
  const proof = await verifyDpopProof(deps, { header: request.headers.dpop, method: 'POST', url: urls.endpoint('par') }, rec);
  if (proof && verified.dpopJkt && proof.jkt !== verified.dpopJkt) {
    fail('authorize.dpop_jkt.mismatch', 'dpop_jkt names another key than the DPoP proof of this request', { path: 'body.dpop_jkt', expected: proof.jkt });
  }

  const requestUri = `${REQUEST_URI_PREFIX}${randomToken(32)}`;
  const now = deps.clock.nowMs();
  const expiresIn = deps.config.oauth.parTtlSeconds;
  const record = {
    id: `azr_${randomToken(12)}`,
    requestUriHash: hashSecret(requestUri),
    sessionId: verified.session.id,
    clientId: verified.clientId,
    redirectUri: verified.redirectUri,
    state: verified.state,
    codeChallenge: verified.codeChallenge,
    dpopJkt: proof?.jkt ?? verified.dpopJkt,
    credentialConfigurationIds: verified.credentialConfigurationIds,
    detailsRequested: verified.detailsRequested,
    scope: verified.scope,
    requestUriExpiresAt: now + expiresIn * 1000,
    requestUriUsedAt: null,
    csrfHash: null,
    // Replaced when the request_uri is used and the consent page opens.
    expiresAt: now + expiresIn * 1000,
    decidedAt: null,
    createdAt: now,
  };
  rec.create({ kind: 'authorization_request', request: record });
  await recordAuthorizationRequested(deps, verified, record, { via: 'par', requestUri: redactSecret(deps.serverSecret, requestUri) }, rec);
  return {
    status: 201,
    headers: { 'cache-control': 'no-store', ...(deps.config.oauth.dpopNonceRequired ? { 'dpop-nonce': createDpopNonce(deps) } : {}) },
    body: { request_uri: requestUri, expires_in: expiresIn },
  };
}

import { fail } from '../../core/diagnostics.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { formPairs, requireContentType, singleValued, type ProtocolRequest } from '../request.js';
import { verifyDpopProof } from './dpop.js';
import { authenticateClient, type ClientAttestationRequest } from './client-attestation.js';
import { TOKEN_GRANTS } from './grants/registry.js';

/**
 * Token endpoint (RFC 6749 §3.2, OID4VCI 1.0 §6): checks the DPoP proof, if any (RFC 9449 §5:
 * the same for every grant, nonce included), then hands the request to its grant (grants/registry.ts),
 * which decides whether a proof was required and binds the token to its key.
 */
export async function handleTokenRequest(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret' | 'attestationTrust'>,
  urls: IssuerUrls,
  request: ProtocolRequest,
  rec: Recorder,
): Promise<ProtocolResponse> {
  requireContentType(request);
  const form = singleValued(formPairs(request), 'token.parameter.duplicated', 'body.');
  const dpopHeader = request.headers.dpop;
  // OAuth-Client-Attestation(-PoP) headers (ABCA -07 §6.3).
  const clientAttestation: Omit<ClientAttestationRequest, 'form'> = {
    attestation: request.headers['oauth-client-attestation'],
    pop: request.headers['oauth-client-attestation-pop'],
  };
  const grantType = form.grant_type;
  if (!grantType) fail('token.grant_type.missing', 'The form has no grant_type', { path: 'body.grant_type', found: Object.keys(form) });
  const grant = TOKEN_GRANTS.get(grantType);
  if (!grant) {
    fail('token.grant_type.unsupported', `grant_type ${grantType.slice(0, 80)} is not supported`, {
      path: 'body.grant_type',
      found: grantType,
      expected: [...TOKEN_GRANTS.keys()].join(', '),
    });
  }
  const pending = grant.open(deps, urls, form, rec);
  // The cheap check first: a code or token this issuer does not know is refused by its grant
  // (missing / unknown) before any DPoP proof or attestation chain costs a signature check.
  const sessionOfGrant = await pending.sessionId();
  if (sessionOfGrant === null) return pending.handle(null, null);
  let dpop;
  let client;
  try {
    dpop = await verifyDpopProof(deps, { header: dpopHeader, method: 'POST', url: urls.endpoint('token') }, rec);
    // Wallet attestation (every grant); the offer's require_wallet_attestation is read only when none was sent.
    client = await authenticateClient(deps, urls, { ...clientAttestation, form }, rec, () => pending.session());
  } catch (err) {
    // A refused proof still belongs in its session's log.
    rec.bindSession(sessionOfGrant);
    throw err;
  }
  return pending.handle(dpop, client);
}

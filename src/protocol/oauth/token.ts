import { fail } from '../../core/diagnostics.js';
import { hashSecret } from '../../core/ids.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { formPairs, requireContentType, singleValued, type ProtocolRequest } from '../request.js';
import { verifyDpopProof, type VerifiedDpop } from './dpop.js';
import { authenticateClient, type ClientAttestationRequest, type VerifiedClientAttestation } from './client-attestation.js';
import { handleAuthorizationCodeGrant } from './grants/authorization-code.js';
import { handlePreAuthorizedCodeGrant, readPreAuthorizedGrant, type PreAuthorizedGrantRead } from './grants/pre-authorized-code.js';
import { handleRefreshTokenGrant } from './grants/refresh-token.js';

const PRE_AUTHORIZED = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const SUPPORTED = [PRE_AUTHORIZED, 'authorization_code', 'refresh_token'];

/**
 * Token endpoint (RFC 6749 §3.2, OID4VCI 1.0 §6): checks the DPoP proof, if any (RFC 9449 §5:
 * the same for every grant, nonce included), then dispatches to the grant's own module, which
 * decides whether a proof was required and binds the token to its key.
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
  if (!SUPPORTED.includes(grantType)) {
    fail('token.grant_type.unsupported', `grant_type ${grantType.slice(0, 80)} is not supported`, {
      path: 'body.grant_type',
      found: grantType,
      expected: SUPPORTED.join(', '),
    });
  }
  // A pre-authorized code's grant and session, read once: the client check may need the
  // session (require_wallet_attestation) and the grant handler needs both.
  let preAuthorized: Promise<PreAuthorizedGrantRead> | undefined;
  const readPreAuthorized = () => (preAuthorized ??= readPreAuthorizedGrant(deps, form['pre-authorized_code'] ?? ''));
  const dispatch = (dpop: VerifiedDpop | null, client: VerifiedClientAttestation | null) => {
    switch (grantType) {
      case PRE_AUTHORIZED:
        return handlePreAuthorizedCodeGrant(deps, urls, form, rec, dpop, client, readPreAuthorized);
      case 'authorization_code':
        return handleAuthorizationCodeGrant(deps, urls, form, dpop, rec);
      default:
        return handleRefreshTokenGrant(deps, urls, form, dpop, rec);
    }
  };
  // The cheap check first: a code or token this issuer does not know is refused by its grant
  // (missing / unknown) before any DPoP proof or attestation chain costs a signature check.
  const sessionOfGrant = grantType === PRE_AUTHORIZED ? (await readPreAuthorized()).grant?.sessionId ?? null : await findSessionOfGrant(deps, grantType, form);
  if (sessionOfGrant === null) return dispatch(null, null);
  let dpop;
  let client;
  try {
    dpop = await verifyDpopProof(deps, { header: dpopHeader, method: 'POST', url: urls.endpoint('token') }, rec);
    // Wallet attestation (every grant); the offer's require_wallet_attestation is read only when none was sent.
    client = await authenticateClient(deps, urls, { ...clientAttestation, form }, rec, async () =>
      grantType === PRE_AUTHORIZED ? (await readPreAuthorized()).session : deps.store.sessions.get(sessionOfGrant),
    );
  } catch (err) {
    // A refused proof still belongs in its session's log.
    rec.bindSession(sessionOfGrant);
    throw err;
  }
  return dispatch(dpop, client);
}

/** The session of an authorization code or refresh token, read-only; null when unknown. */
async function findSessionOfGrant(deps: Pick<IssuerDeps, 'store'>, grantType: string, form: Record<string, string>): Promise<string | null> {
  const secret = grantType === 'authorization_code' ? form.code : form.refresh_token;
  if (!secret) return null;
  const hash = hashSecret(secret);
  const found = grantType === 'authorization_code' ? await deps.store.authorizations.peekCode(hash) : await deps.store.refreshTokens.peek(hash);
  return found?.sessionId ?? null;
}

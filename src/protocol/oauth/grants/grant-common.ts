import { fail } from '../../../core/diagnostics.js';
import { hashSecret, randomToken, redactSecret } from '../../../core/ids.js';
import type { RequestedCredentials } from '../../../store/oauth-records.js';
import type { AuthorizationDetail, GrantType, SessionRecord } from '../../../store/store.js';
import type { IssuerDeps, ProtocolResponse, Recorder } from '../../deps.js';
import { issueAccessToken } from '../access-token.js';
import { createDpopNonce } from '../dpop-nonce.js';
import type { VerifiedDpop } from '../dpop.js';
import { verifyOfferDpopNonce } from '../../faults/inject.js';
import { accessTokenTtlSeconds } from '../../faults/offer-faults.js';
import { createTokenResponseNonce } from '../../drafts/legacy-nonce.js';

/**
 * Steps every grant shares (node-oidc-provider `lib/helpers/grant_common.js`): the DPoP
 * requirement, and the token response with its access token, optional refresh token and
 * authorization_details (OID4VCI 1.0 §6.2).
 */

type GrantDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>;

/** DPOP_REQUIRED, or the offer's require_dpop (RFC 9449 §5: the server may require bound tokens). */
export function verifyDpopRequirement(deps: Pick<IssuerDeps, 'config' | 'clock' | 'serverSecret'>, session: SessionRecord, dpop: VerifiedDpop | null): void {
  // require_dpop_nonce of the offer (fault injection) means DPoP with a server nonce.
  verifyOfferDpopNonce(deps, session, dpop);
  if (dpop) return;
  const byOffer = session.options.requireDpop === true;
  if (deps.config.oauth.dpopRequired || byOffer) {
    fail('token.dpop.required', `DPoP-bound tokens are required (${byOffer ? 'require_dpop of the offer' : 'DPOP_REQUIRED'}) and the request has no DPoP proof`, {
      path: 'headers.dpop',
    });
  }
}

export interface TokenGrant extends RequestedCredentials {
  session: SessionRecord;
  grantType: GrantType;
  clientId: string | null;
  anonymous: boolean;
  dpop: VerifiedDpop | null;
  /** Refresh token to issue alongside (authorization code and refresh grants). */
  refresh?: { familyId: string; expiresAt: number; dpopJkt: string | null };
}

export interface IssuedTokens {
  response: ProtocolResponse;
  details: AuthorizationDetail[];
}

export async function createTokenResponse(deps: GrantDeps, grant: TokenGrant, rec: Recorder): Promise<IssuedTokens> {
  const details: AuthorizationDetail[] = grant.credentialConfigurationIds.map((id) => ({
    type: 'openid_credential',
    credential_configuration_id: id,
    credential_identifiers: [randomToken(16)],
  }));
  const token = issueAccessToken(deps, {
    sessionId: grant.session.id,
    grantType: grant.grantType,
    authorizationDetails: details,
    detailsReturned: grant.detailsRequested,
    clientId: grant.clientId,
    anonymous: grant.anonymous,
    dpopJkt: grant.dpop?.jkt ?? null,
    ttlSeconds: accessTokenTtlSeconds(deps, grant.session),
    grantId: grant.refresh?.familyId ?? null,
  }, rec);
  let refreshToken: string | undefined;
  if (grant.refresh) {
    refreshToken = randomToken(32);
    // In the request's one commit, with the access token issued beside it.
    rec.create({ kind: 'refresh_token', token: {
      tokenHash: hashSecret(refreshToken),
      familyId: grant.refresh.familyId,
      sessionId: grant.session.id,
      clientId: grant.clientId ?? '',
      dpopJkt: grant.refresh.dpopJkt,
      credentialConfigurationIds: grant.credentialConfigurationIds,
      detailsRequested: grant.detailsRequested,
      scope: grant.scope,
      expiresAt: grant.refresh.expiresAt,
      createdAt: deps.clock.nowMs(),
      rotatedAt: null,
      revokedAt: null,
    } });
  }
  rec.log('info', 'Access token issued', {
    access_token: redactSecret(deps.serverSecret, token.accessToken),
    token_type: token.tokenType,
    dpop_jkt: grant.dpop?.jkt,
    expires_in: token.expiresIn,
    refresh_token: refreshToken ? redactSecret(deps.serverSecret, refreshToken) : undefined,
    client_id: grant.clientId,
    scope: grant.scope ?? undefined,
    authorization_details: grant.detailsRequested ? details : undefined,
    credential_configuration_ids: grant.credentialConfigurationIds,
  });
  // A c_nonce for wallets of drafts up to 14 (lenient mode only; drafts/legacy-nonce.ts).
  const legacyNonce = await createTokenResponseNonce(deps, grant.session, rec);
  return {
    details,
    response: {
      status: 200,
      headers: { 'cache-control': 'no-store', ...(deps.config.oauth.dpopNonceRequired ? { 'dpop-nonce': createDpopNonce(deps) } : {}) },
      body: {
        access_token: token.accessToken,
        token_type: token.tokenType,
        expires_in: token.expiresIn,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        ...(grant.scope ? { scope: grant.scope } : {}),
        // §6.2: returned when the wallet used authorization_details; otherwise it names credentials by configuration id.
        ...(grant.detailsRequested ? { authorization_details: details } : {}),
        ...legacyNonce,
      },
    },
  };
}

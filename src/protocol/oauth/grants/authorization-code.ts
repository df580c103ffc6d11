import { fail } from '../../../core/diagnostics.js';
import { hashSecret, redactSecret } from '../../../core/ids.js';
import type { AuthorizationCodeRecord } from '../../../store/oauth-records.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../../deps.js';
import type { VerifiedDpop } from '../dpop.js';
import { parseAuthorizationDetails } from '../authorization-details.js';
import { verifyCodeVerifier } from '../pkce.js';
import { createTokenResponse, verifyDpopRequirement } from './grant-common.js';

/**
 * Authorization code grant, RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5) and DPoP code binding
 * (RFC 9449 §10). Parameters: code, redirect_uri, client_id, code_verifier, optional
 * authorization_details (OID4VCI 1.0 §6.1.1, a subset). Every check runs against a peek; the
 * code is then redeemed by one conditional update, so two redemptions yield one token. A
 * second redemption revokes the refresh tokens issued for the code (RFC 6749 §4.1.2).
 */
export async function handleAuthorizationCodeGrant(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret'>,
  _urls: IssuerUrls,
  form: Record<string, string>,
  dpop: VerifiedDpop | null,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const code = form.code;
  if (!code) fail('token.code.missing', 'The form has no code', { path: 'body.code', found: Object.keys(form) });
  const codeHash = hashSecret(code);
  const grant = await deps.store.authorizations.peekCode(codeHash);
  if (!grant) fail('token.code.unknown', `Authorization code ${redactSecret(deps.serverSecret, code)} is not known here`, { path: 'body.code' });
  rec.bindSession(grant.sessionId);
  const now = deps.clock.nowMs();
  if (grant.consumedAt !== null) await refuseReuse(deps, grant, now, rec);
  if (grant.expiresAt <= now) fail('token.code.expired', `The authorization code expired at ${new Date(grant.expiresAt).toISOString()}`, { path: 'body.code' });

  if (!form.client_id) fail('token.client_id.missing', 'The form has no client_id', { path: 'body.client_id' });
  if (form.client_id !== grant.clientId) {
    fail('token.client_id.mismatch', `client_id ${form.client_id.slice(0, 80)} is not the client the code was issued to`, { path: 'body.client_id', expected: grant.clientId });
  }
  if (form.redirect_uri === undefined) fail('token.redirect_uri.missing', 'The form has no redirect_uri', { path: 'body.redirect_uri' });
  if (form.redirect_uri !== grant.redirectUri) {
    fail('token.redirect_uri.mismatch', `redirect_uri ${form.redirect_uri.slice(0, 100)} differs from the authorization request`, { path: 'body.redirect_uri', expected: grant.redirectUri });
  }
  verifyCodeVerifier(form.code_verifier, grant.codeChallenge);
  if (grant.dpopJkt && dpop?.jkt !== grant.dpopJkt) {
    if (!dpop) fail('token.dpop.required', 'The code is bound to a DPoP key at PAR, and the request has no DPoP proof', { path: 'headers.dpop' });
    fail('token.dpop.binding_mismatch', 'The DPoP proof key is not the key the code was bound to at PAR', { path: 'headers.dpop.header.jwk', expected: grant.dpopJkt });
  }
  const session = await deps.store.sessions.get(grant.sessionId);
  if (!session) throw new Error(`Session ${grant.sessionId} of a live authorization code is missing`);
  verifyDpopRequirement(deps, session, dpop);
  const narrowed = form.authorization_details
    ? parseAuthorizationDetails(form.authorization_details, grant.credentialConfigurationIds, 'body.authorization_details')
    : undefined;

  const redeemed = await deps.store.authorizations.consumeCode(codeHash, now);
  if (!redeemed) {
    const current = (await deps.store.authorizations.peekCode(codeHash)) ?? grant;
    if (current.consumedAt !== null) await refuseReuse(deps, current, now, rec);
    fail('token.code.expired', `The authorization code expired at ${new Date(current.expiresAt).toISOString()}`, { path: 'body.code' });
  }

  const { details, response } = await createTokenResponse(
    deps,
    {
      session,
      grantType: 'authorization_code',
      clientId: grant.clientId,
      anonymous: false,
      dpop,
      credentialConfigurationIds: narrowed ?? grant.credentialConfigurationIds,
      detailsRequested: grant.detailsRequested || narrowed !== undefined,
      scope: grant.scope,
      refresh: { familyId: grant.familyId, expiresAt: now + deps.config.oauth.refreshTokenTtlSeconds * 1000, dpopJkt: dpop?.jkt ?? null },
    },
    rec,
  );
  rec.event('token_exchanged', {
    grant_type: 'authorization_code',
    credential_configuration_ids: details.map((d) => d.credential_configuration_id),
    token_type: dpop ? 'DPoP' : 'Bearer',
    refresh_token: true,
  });
  return response;
}

/** A used code presented again: the tokens issued for it may be in the wrong hands. */
async function refuseReuse(deps: Pick<IssuerDeps, 'store'>, grant: AuthorizationCodeRecord, now: number, rec: Recorder): Promise<never> {
  const revoked = await deps.store.refreshTokens.revokeFamily(grant.familyId, grant.sessionId, 'authorization_code_reused', now);
  rec.event('refresh_tokens_revoked', { reason: 'authorization code reused', family: grant.familyId, revoked: revoked.refreshTokens, access_tokens: revoked.accessTokens });
  fail(
    'token.code.reused',
    `The authorization code was already redeemed at ${new Date(grant.consumedAt!).toISOString()}; every token issued from it is revoked (${revoked.accessTokens} live access token(s), ${revoked.refreshTokens} refresh token(s))`,
    { path: 'body.code' },
  );
}

import { fail } from '../../../core/diagnostics.js';
import { hashSecret, redactSecret } from '../../../core/ids.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../../deps.js';
import type { VerifiedDpop } from '../dpop.js';
import { createTokenResponse, verifyDpopRequirement } from './grant-common.js';

/**
 * Refresh token grant, RFC 6749 §6, with rotation: every use marks the token rotated (one
 * conditional update) and issues a successor in the same family, which keeps the family's end
 * (REFRESH_TOKEN_TTL_SECONDS from the first token). A rotated token used again revokes the whole
 * family (RFC 9700 §4.14.2). Tokens bound to a DPoP key need a proof of that key (RFC 9449 §5).
 */
export async function handleRefreshTokenGrant(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>,
  _urls: IssuerUrls,
  form: Record<string, string>,
  dpop: VerifiedDpop | null,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const token = form.refresh_token;
  if (!token) fail('token.refresh_token.missing', 'The form has no refresh_token', { path: 'body.refresh_token' });
  const tokenHash = hashSecret(token);
  const current = await deps.store.refreshTokens.peek(tokenHash);
  if (!current) fail('token.refresh_token.unknown', `Refresh token ${redactSecret(deps.serverSecret, token)} is not known here`, { path: 'body.refresh_token' });
  rec.bindSession(current.sessionId);
  if (!form.client_id) fail('token.client_id.missing', 'The form has no client_id', { path: 'body.client_id' });
  if (form.client_id !== current.clientId) {
    fail('token.client_id.mismatch', `client_id ${form.client_id.slice(0, 80)} is not the client the refresh token was issued to`, { path: 'body.client_id', expected: current.clientId });
  }
  if (current.dpopJkt) {
    if (!dpop) fail('token.refresh_token.dpop_required', 'The refresh token is DPoP-bound and the request has no DPoP proof', { path: 'headers.dpop' });
    if (dpop.jkt !== current.dpopJkt) fail('token.refresh_token.dpop_mismatch', 'The DPoP proof key is not the key the refresh token is bound to', { path: 'headers.dpop.header.jwk' });
  }
  const session = await deps.store.sessions.get(current.sessionId);
  if (!session) throw new Error(`Session ${current.sessionId} of a refresh token is missing`);
  verifyDpopRequirement(deps, session, dpop);

  const now = deps.clock.nowMs();
  const rotated = await deps.store.refreshTokens.rotate(tokenHash, now);
  if (!rotated) {
    const latest = (await deps.store.refreshTokens.peek(tokenHash)) ?? current;
    if (latest.revokedAt !== null) fail('token.refresh_token.revoked', `The refresh token family was revoked at ${new Date(latest.revokedAt).toISOString()}`, { path: 'body.refresh_token' });
    if (latest.rotatedAt !== null) {
      const revoked = await deps.store.refreshTokens.revokeFamily(latest.familyId, latest.sessionId, 'refresh_token_reused', now);
      rec.event('refresh_tokens_revoked', { reason: 'rotated refresh token reused', family: latest.familyId, revoked: revoked.refreshTokens, access_tokens: revoked.accessTokens });
      const counts = `${revoked.accessTokens} live access token(s), ${revoked.refreshTokens} refresh token(s)`;
      fail('token.refresh_token.reused', `The refresh token was already rotated at ${new Date(latest.rotatedAt).toISOString()}; every token of its grant is revoked (${counts})`, {
        path: 'body.refresh_token',
      });
    }
    if (latest.expiresAt <= now) fail('token.refresh_token.expired', `The refresh token expired at ${new Date(latest.expiresAt).toISOString()}`, { path: 'body.refresh_token' });
    // Written just after its grant was revoked (a replay raced the exchange that issued it).
    fail('token.refresh_token.revoked', 'The grant of this refresh token was revoked after a replay', { path: 'body.refresh_token' });
  }

  const { details, response } = await createTokenResponse(
    deps,
    {
      session,
      grantType: 'authorization_code',
      clientId: current.clientId,
      anonymous: false,
      dpop,
      credentialConfigurationIds: current.credentialConfigurationIds,
      detailsRequested: current.detailsRequested,
      scope: current.scope,
      // An unbound family stays unbound: binding it now would lock out the holder of the original.
      refresh: { familyId: current.familyId, expiresAt: current.expiresAt, dpopJkt: current.dpopJkt },
    },
    rec,
  );
  rec.event('token_refreshed', {
    credential_configuration_ids: details.map((d) => d.credential_configuration_id),
    token_type: dpop ? 'DPoP' : 'Bearer',
    family: current.familyId,
  });
  return response;
}

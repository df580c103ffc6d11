import type { AuthorizationRequestRecord } from '../../store/oauth-records.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import type { VerifiedAuthorizationRequest } from './authorization-request.js';

/** The session-log side of an accepted authorization request, the same for PAR and /authorize. */
export async function recordAuthorizationRequested(
  deps: Pick<IssuerDeps, 'store' | 'clock'>,
  request: VerifiedAuthorizationRequest,
  record: AuthorizationRequestRecord,
  how: { via: 'par' | 'authorization_endpoint'; requestUri?: string },
  rec: Recorder,
): Promise<void> {
  if (request.session.grantType !== 'authorization_code') {
    await deps.store.authorizations.setSessionGrantType(request.session.id, 'authorization_code', deps.clock.nowMs());
  }
  rec.event('authorization_requested', {
    via: how.via,
    client_id: record.clientId,
    credential_configuration_ids: record.credentialConfigurationIds,
    requested_with: record.detailsRequested ? 'authorization_details' : record.scope ? 'scope' : 'offer',
    dpop_bound: record.dpopJkt !== null,
  });
  rec.log('info', how.via === 'par' ? 'Pushed authorization request accepted' : 'Authorization request accepted', {
    authorization_request_id: record.id,
    request_uri: how.requestUri,
    client_id: record.clientId,
    redirect_uri: record.redirectUri,
    state: record.state,
    scope: record.scope,
    credential_configuration_ids: record.credentialConfigurationIds,
    code_challenge_method: 'S256',
    dpop_jkt: record.dpopJkt,
    expires_at: new Date(record.requestUriExpiresAt ?? record.expiresAt).toISOString(),
  });
}

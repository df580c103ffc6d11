import { DPOP_ALGS } from '../oauth/dpop.js';
import type { IssuerDeps, IssuerUrls } from '../deps.js';
import { ATTESTATION_ALGS } from '../attestation/attestation-jwt.js';
import { encryptionMetadata } from './encryption.js';
import { TOKEN_GRANTS } from '../oauth/grants/registry.js';

/** Credential Issuer Metadata, OID4VCI 1.0 §12.2.4. */
export function createIssuerMetadata(deps: Pick<IssuerDeps, 'configurations' | 'config' | 'encryptionKey'>, urls: IssuerUrls): Record<string, unknown> {
  const configurations: Record<string, unknown> = {};
  for (const id of deps.configurations.ids) configurations[id] = deps.configurations.published(id);
  return {
    credential_issuer: urls.issuer,
    credential_endpoint: urls.endpoint('credential'),
    nonce_endpoint: urls.endpoint('nonce'),
    // §9: deferred issuance is served (offers with deferred: true).
    deferred_credential_endpoint: urls.endpoint('deferred_credential'),
    // §11: notification_id in credential responses.
    notification_endpoint: urls.endpoint('notification'),
    // §10: request and response encryption.
    ...encryptionMetadata(deps),
    // §12.2.4: presence signals batch support; batch_size is the maximum length of proofs.
    ...(deps.config.batchSize >= 2 ? { batch_credential_issuance: { batch_size: deps.config.batchSize } } : {}),
    display: [{ name: 'issuance-lab', locale: 'en' }],
    credential_configurations_supported: configurations,
  };
}

/** Authorization Server Metadata, RFC 8414 §2 with the OID4VCI 1.0 §12.3 extension. */
export function createAuthorizationServerMetadata(
  deps: Pick<IssuerDeps, 'configurations' | 'config'>,
  urls: IssuerUrls,
): Record<string, unknown> {
  const scopes = new Set<string>();
  for (const id of deps.configurations.ids) {
    const scope = deps.configurations.byId.get(id)?.scope;
    if (scope) scopes.add(scope);
  }
  return {
    issuer: urls.issuer,
    token_endpoint: urls.endpoint('token'),
    jwks_uri: urls.endpoint('jwks'),
    grant_types_supported: [...TOKEN_GRANTS.keys()],
    // Authorization code flow (HAIP 1.0 §4): PAR (RFC 9126 §5), PKCE S256 only, iss in responses (RFC 9207), DPoP (RFC 9449 §5.1).
    authorization_endpoint: urls.endpoint('authorization'),
    pushed_authorization_request_endpoint: urls.endpoint('par'),
    require_pushed_authorization_requests: deps.config.oauth.parRequired,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    dpop_signing_alg_values_supported: [...DPOP_ALGS],
    // Wallet attestation (ABCA -07 §10.1); strict mode authenticates every client by attestation.
    'pre-authorized_grant_anonymous_access_supported': deps.config.attestation.mode !== 'strict',
    token_endpoint_auth_methods_supported: deps.config.attestation.mode === 'strict' ? ['attest_jwt_client_auth'] : ['attest_jwt_client_auth', 'none'],
    client_attestation_signing_alg_values_supported: [...ATTESTATION_ALGS],
    client_attestation_pop_signing_alg_values_supported: [...ATTESTATION_ALGS],
    authorization_details_types_supported: ['openid_credential'],
    scopes_supported: [...scopes],
  };
}

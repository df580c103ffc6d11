import type { IssuerDeps, IssuerUrls } from '../deps.js';

/** Credential Issuer Metadata, OID4VCI 1.0 §12.2.4. */
export function createIssuerMetadata(deps: Pick<IssuerDeps, 'configurations' | 'config'>, urls: IssuerUrls): Record<string, unknown> {
  const configurations: Record<string, unknown> = {};
  for (const id of deps.configurations.ids) configurations[id] = deps.configurations.published(id);
  return {
    credential_issuer: urls.issuer,
    credential_endpoint: urls.endpoint('credential'),
    nonce_endpoint: urls.endpoint('nonce'),
    // §12.2.4: presence signals batch support; batch_size is the maximum length of proofs.
    ...(deps.config.batchSize >= 2 ? { batch_credential_issuance: { batch_size: deps.config.batchSize } } : {}),
    display: [{ name: 'issuance-lab', locale: 'en' }],
    credential_configurations_supported: configurations,
  };
}

/** Authorization Server Metadata, RFC 8414 §2 with the OID4VCI 1.0 §12.3 extension. */
export function createAuthorizationServerMetadata(
  deps: Pick<IssuerDeps, 'configurations'>,
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
    grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'],
    // Pre-authorized only for now: §12.2.4 lets such an AS omit response_types_supported.
    'pre-authorized_grant_anonymous_access_supported': true,
    token_endpoint_auth_methods_supported: ['none'],
    authorization_details_types_supported: ['openid_credential'],
    scopes_supported: [...scopes],
  };
}

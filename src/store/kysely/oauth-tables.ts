/** Row shapes of the authorization code flow (migration 2026-11-29-oauth-authorization-code). */

export interface OAuthIssuerStatesTable {
  issuer_state_hash: string;
  session_id: string;
  expires_at: number;
}

export interface OAuthAuthorizationRequestsTable {
  id: string;
  request_uri_hash: string | null;
  session_id: string;
  client_id: string;
  redirect_uri: string;
  state: string | null;
  code_challenge: string;
  dpop_jkt: string | null;
  credential_configuration_ids: string;
  details_requested: number;
  scope: string | null;
  request_uri_expires_at: number | null;
  request_uri_used_at: number | null;
  csrf_hash: string | null;
  expires_at: number;
  decided_at: number | null;
  created_at: number;
}

export interface OAuthAuthorizationCodesTable {
  code_hash: string;
  session_id: string;
  authorization_request_id: string;
  client_id: string;
  redirect_uri: string;
  code_challenge: string;
  dpop_jkt: string | null;
  credential_configuration_ids: string;
  details_requested: number;
  scope: string | null;
  family_id: string;
  expires_at: number;
  consumed_at: number | null;
  created_at: number;
}

export interface OAuthRefreshTokensTable {
  token_hash: string;
  family_id: string;
  session_id: string;
  client_id: string;
  dpop_jkt: string | null;
  credential_configuration_ids: string;
  details_requested: number;
  scope: string | null;
  expires_at: number;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

export interface DpopJtisTable {
  /** SHA-256 of jkt and jti: fixed length, and no proof content kept. */
  id: string;
  expires_at: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
  created_at: number;
}

export interface OAuthTables {
  oauth_issuer_states: OAuthIssuerStatesTable;
  oauth_authorization_requests: OAuthAuthorizationRequestsTable;
  oauth_authorization_codes: OAuthAuthorizationCodesTable;
  oauth_refresh_tokens: OAuthRefreshTokensTable;
  dpop_jtis: DpopJtisTable;
  server_secrets: ServerSecretsTable;
}

/** Row shapes as stored: snake_case columns, text JSON, integer epoch milliseconds, text ids. */

export interface SessionsTable {
  id: string;
  offer_id: string;
  state: string;
  grant_type: string;
  credential_configuration_ids: string;
  offer_json: string;
  options_json: string;
  created_at: number;
  updated_at: number;
  offer_expires_at: number;
  offer_fetches: number;
}

export interface PreAuthorizedCodesTable {
  code_hash: string;
  session_id: string;
  tx_code_hash: string | null;
  tx_code_attempts: number;
  burnt: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface AccessTokensTable {
  token_hash: string;
  session_id: string;
  grant_type: string;
  authorization_details_json: string;
  details_returned: number;
  anonymous: number;
  client_id: string | null;
  dpop_jkt: string | null;
  expires_at: number;
  created_at: number;
}

export interface NoncesTable {
  nonce: string;
  request_id: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface IssuedCredentialsTable {
  id: string;
  session_id: string;
  credential_configuration_id: string;
  credential_identifier: string | null;
  format: string;
  holder_key_thumbprint: string;
  key_source: string;
  credential_digest: string;
  issued_at: number;
  expires_at: number;
}

export interface SessionLogsTable {
  id: string;
  session_id: string | null;
  timestamp: number;
  level: string;
  endpoint: string;
  request_id: string | null;
  message: string;
  data_json: string | null;
}

export interface SessionEventsTable {
  id: string;
  session_id: string;
  type: string;
  timestamp: number;
  details_json: string | null;
}

export interface Database {
  sessions: SessionsTable;
  pre_authorized_codes: PreAuthorizedCodesTable;
  access_tokens: AccessTokensTable;
  nonces: NoncesTable;
  issued_credentials: IssuedCredentialsTable;
  session_logs: SessionLogsTable;
  session_events: SessionEventsTable;
}

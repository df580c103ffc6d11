import type { Generated } from 'kysely';
import type { OAuthTables } from './oauth-tables.js';

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
  /** 'issuance' or 'presentation' (migration 2026-12-07-verifier). */
  kind: string;
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
  grant_id: string | null;
  credentials_issued: Generated<number>;
}

export interface RevokedGrantsTable {
  grant_id: string;
  session_id: string;
  reason: string;
  revoked_at: number;
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
  /** Outcome of the self-check after issuance; null until it is written. */
  self_check_json: string | null;
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

export interface DeferredTransactionsTable {
  transaction_id_hash: string;
  session_id: string;
  credential_configuration_id: string;
  credential_identifier: string | null;
  holder_keys_json: string;
  created_at: number;
  expires_at: number;
  delivered_at: number | null;
  /** Draft whose shape the credential request had; null for 1.0. */
  wire_draft: string | null;
}

export interface ShareLinksTable {
  token_hash: string;
  session_id: string;
  created_at: number;
  expires_at: number;
}

export interface StatusListsTable {
  id: string;
  bits: number;
  size: number;
  /** Slots claimed so far ('slots' lists) or entries inserted ('random' lists, before 2026-12-02). */
  allocated: number;
  allocation: string;
  created_at: number;
  updated_at: number;
}

export interface StatusEntriesTable {
  list_id: string;
  idx: number;
  session_id: string;
  credential_id: string;
  status: number;
  updated_at: number;
}

/** `OAuthTables` (oauth-tables.ts): the authorization code flow's tables. */
/** What all instances on one database must agree on (generated keys, admin token); version for compare-and-set. */
export interface SharedStateTable {
  name: string;
  value: string;
  version: number;
  updated_at: number;
}

export interface DashboardSignOutsTable {
  sign_in_hash: string;
  expires_at: number;
}

export interface RateLimitsTable {
  key: string;
  window_start: number;
  count: number;
}

/** Row shape (migration 2026-12-01-notifications). */
export interface NotificationsTable {
  notification_id: string;
  session_id: string;
  credential_configuration_id: string;
  credential_ids: string;
  created_at: number;
  event: string | null;
  event_at: number | null;
  event_count: number;
}

/** Row shape (migration 2026-12-07-verifier). */
export interface PresentationRequestsTable {
  session_id: string;
  request_token_hash: string;
  state_hash: string;
  encryption_kid: string | null;
  response_code_hash: string | null;
  nonce: string;
  client_id: string;
  options_json: string;
  dcql_query_json: string;
  encryption_key_json: string | null;
  created_at: number;
  expires_at: number;
  fetches: number;
  responses: number;
  answered_at: number | null;
  result_json: string | null;
}

/** Row shapes (migration 2026-12-08-test-plan-runs). */
export interface TestPlanRunsTable {
  id: string;
  plan_id: string;
  plan_version: string;
  wallet_token_hash: string;
  /** [{caseId, sessionId, txCodeSealed}] */
  cases_json: string;
  created_at: number;
  expires_at: number;
}

export interface TestPlanRunSharesTable {
  token_hash: string;
  run_id: string;
  created_at: number;
  expires_at: number;
}

export interface Database extends OAuthTables {
  /** Wallet test plan runs and their report links (test-plan-run-store.ts). */
  test_plan_runs: TestPlanRunsTable;
  test_plan_run_shares: TestPlanRunSharesTable;
  /** Notification ids and the events wallets reported (notification-store.ts). */
  notifications: NotificationsTable;
  /** The verifier (verification-store.ts). */
  presentation_requests: PresentationRequestsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  status_lists: StatusListsTable;
  status_entries: StatusEntriesTable;
  pre_authorized_codes: PreAuthorizedCodesTable;
  access_tokens: AccessTokensTable;
  revoked_grants: RevokedGrantsTable;
  nonces: NoncesTable;
  issued_credentials: IssuedCredentialsTable;
  session_logs: SessionLogsTable;
  session_events: SessionEventsTable;
  deferred_transactions: DeferredTransactionsTable;
  share_links: ShareLinksTable;
  dashboard_sign_outs: DashboardSignOutsTable;
  shared_state: SharedStateTable;
}

/**
 * The storage contract. Domain-named, plain data in and out; a missing record is `null` and the
 * protocol decides what that means. Single-use artefacts are consumed by one conditional
 * update, never read-then-write, so the guarantees hold with several instances on one database.
 * Times are epoch milliseconds.
 */

import type { SessionState } from '../core/session-state.js';

export type GrantType = 'pre-authorized_code' | 'authorization_code';

export interface TxCodeSpec {
  length?: number;
  input_mode?: 'numeric' | 'text';
  description?: string;
}

export interface OfferOptions {
  /** Claims per credential configuration id; absent ids use the sample claims. */
  claims: Record<string, Record<string, unknown>>;
  subjectId?: string;
  deferred: boolean;
  requireWalletAttestation: boolean;
  requireKeyAttestation: boolean;
  byReference: boolean;
  txCode?: TxCodeSpec;
}

export interface SessionRecord {
  id: string;
  offerId: string;
  state: SessionState;
  grantType: GrantType;
  credentialConfigurationIds: string[];
  /** The credential offer as served to the wallet (holds the pre-authorized code: never print it). */
  offer: Record<string, unknown>;
  options: OfferOptions;
  createdAt: number;
  updatedAt: number;
  offerExpiresAt: number;
  offerFetches: number;
}

export interface SessionFilter {
  state?: SessionState;
  credentialConfigurationId?: string;
  createdAfter?: number;
  createdBefore?: number;
  limit: number;
  offset: number;
}

export interface PreAuthorizedGrantRecord {
  codeHash: string;
  sessionId: string;
  txCodeHash: string | null;
  txCodeAttempts: number;
  burnt: boolean;
  expiresAt: number;
  consumedAt: number | null;
}

export interface AuthorizationDetail {
  type: 'openid_credential';
  credential_configuration_id: string;
  credential_identifiers: string[];
}

export interface AccessTokenRecord {
  tokenHash: string;
  sessionId: string;
  grantType: GrantType;
  authorizationDetails: AuthorizationDetail[];
  /** Whether the token response carried authorization_details (then §8.2 wants credential_identifier). */
  detailsReturned: boolean;
  anonymous: boolean;
  clientId: string | null;
  dpopJkt: string | null;
  expiresAt: number;
  createdAt: number;
}

export interface IssuedCredentialRecord {
  id: string;
  sessionId: string;
  credentialConfigurationId: string;
  credentialIdentifier: string | null;
  format: string;
  holderKeyThumbprint: string;
  keySource: string;
  /** SHA-256 of the credential, so a support request can be matched without storing credentials. */
  credentialDigest: string;
  issuedAt: number;
  expiresAt: number;
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface LogEntry {
  id: string;
  sessionId: string | null;
  timestamp: number;
  level: LogLevel;
  endpoint: string;
  requestId: string | null;
  message: string;
  data: Record<string, unknown> | null;
}

export interface EventEntry {
  id: string;
  sessionId: string;
  type: string;
  timestamp: number;
  details: Record<string, unknown> | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface StoreWrites {
  logs: LogEntry[];
  events: EventEntry[];
  /** Session state changes: compare-and-set from any of `from` to `to`. */
  transitions: { sessionId: string; from: SessionState[]; to: SessionState; at: number }[];
  issued: IssuedCredentialRecord[];
  /** Unbound log entries of earlier requests that now turn out to belong to a session (the nonce request). */
  rebind?: { requestId: string; sessionId: string }[];
}

export interface StoreChange {
  logs: LogEntry[];
  events: EventEntry[];
  transitions: StoreWrites['transitions'];
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  sessions: {
    create(session: SessionRecord): Promise<void>;
    get(id: string): Promise<SessionRecord | null>;
    getByOfferId(offerId: string): Promise<SessionRecord | null>;
    list(filter: SessionFilter): Promise<Page<SessionRecord>>;
    /** Counts a wallet fetch of the offer; returns the new count, or null when the session is gone. */
    recordOfferFetch(id: string, at: number): Promise<number | null>;
  };

  grants: {
    createPreAuthorized(grant: PreAuthorizedGrantRecord): Promise<void>;
    /** Explains a failed consume; never used to decide success. */
    peekPreAuthorized(codeHash: string): Promise<PreAuthorizedGrantRecord | null>;
    /**
     * Redeems a pre-authorized code exactly once: succeeds only when it is unconsumed, not burnt,
     * not expired, and the tx_code hash matches (when one is set).
     */
    consumePreAuthorized(codeHash: string, txCodeHash: string | null, now: number): Promise<PreAuthorizedGrantRecord | null>;
    /** Counts a wrong tx_code; burns the code at `maxAttempts`. Null when already consumed or burnt. */
    recordTxCodeFailure(codeHash: string, maxAttempts: number): Promise<{ attempts: number; burnt: boolean } | null>;
  };

  tokens: {
    create(token: AccessTokenRecord): Promise<void>;
    get(tokenHash: string): Promise<AccessTokenRecord | null>;
  };

  nonces: {
    /** `requestId` is the nonce request's, so its log can join the session that uses the nonce. */
    create(nonce: string, expiresAt: number, createdAt: number, requestId: string | null): Promise<void>;
    /** Single-use: a result exactly once for a live nonce. */
    consume(nonce: string, now: number): Promise<{ requestId: string | null } | null>;
    peek(nonce: string): Promise<{ expiresAt: number; consumedAt: number | null } | null>;
  };

  credentials: {
    listBySession(sessionId: string): Promise<IssuedCredentialRecord[]>;
  };

  logs: {
    list(sessionId: string | null, opts: { level?: LogLevel[]; limit: number; offset: number; order?: 'asc' | 'desc' }): Promise<Page<LogEntry>>;
  };

  events: {
    list(sessionId: string, opts: { limit: number; offset: number }): Promise<Page<EventEntry>>;
  };

  /** Writes what one request produced (logs, events, state changes, issuance records) in one transaction. */
  write(batch: StoreWrites): Promise<void>;

  /**
   * Committed session logs, events and state changes, as they happen: what live views (SSE)
   * subscribe to. Delivered after the commit, in commit order.
   */
  changes: {
    subscribe(listener: (change: StoreChange) => void): () => void;
  };

  close(): Promise<void>;
}

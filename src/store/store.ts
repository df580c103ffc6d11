/**
 * The storage contract. Domain-named, plain data in and out; a missing record is `null` and the
 * protocol decides what that means. Single-use artefacts are consumed by one conditional
 * update, never read-then-write, so the guarantees hold with several instances on one database.
 * Times are epoch milliseconds.
 */

import type { SessionState } from '../core/session-state.js';
import type { AuthorizationCodeRecord, AuthorizationRequestRecord, GrantRevocationReason, IssuerStateRecord, OAuthStore, RefreshTokenRecord } from './oauth-records.js';
import type { NotificationRecord, NotificationStore } from './notification-records.js';
import type { PresentationRequestRecord, VerificationStore } from './verification-records.js';
import type { TestPlanRunStore } from './test-plan-run-records.js';

export type GrantType = 'pre-authorized_code' | 'authorization_code';

export interface TxCodeSpec {
  length?: number;
  input_mode?: 'numeric' | 'text';
  description?: string;
}

export interface OfferOptions {
  /** Claims per credential configuration id; absent ids use the sample claims. */
  claims: Record<string, Record<string, unknown>>;
  /**
   * Whether the holder may replace the claims on the consent page (persona or edited JSON).
   * Absent: only for configurations the offer carries no claims for.
   */
  claimsEditable?: boolean;
  subjectId?: string;
  deferred: boolean;
  requireWalletAttestation: boolean;
  requireKeyAttestation: boolean;
  byReference: boolean;
  txCode?: TxCodeSpec;
  /** The token endpoint issues only DPoP-bound tokens for this offer (RFC 9449 §5). */
  requireDpop?: boolean;
  // Strict mode and fault injection per offer (src/protocol/faults/).
  /** Refuse draft request shapes for this session, whatever STRICT_MODE says. */
  strict?: boolean;
  /** DPoP proofs must carry a server nonce (RFC 9449 §8, §9) for this session. */
  requireDpopNonce?: boolean;
  /** The first credential request is refused with invalid_nonce and its c_nonce used up. */
  rejectFirstNonce?: boolean;
  /** What a wrong tx_code does: retry (default), burn at once, or the first tx_code is rejected even when right. */
  txCodeFailure?: 'retry' | 'burn' | 'reject_first';
  /** The credential_offer_uri can be fetched once. */
  singleFetch?: boolean;
  /** Credential responses must be encrypted for this session (OID4VCI 1.0 §10). */
  requireEncryption?: boolean;
  /** Lifetime of the offer, its pre-authorized code and the session's access tokens, instead of the configured ones. */
  expiresInSeconds?: number;
}

/** Issuance (OID4VCI) or verification (OpenID4VP) session: one session page, log and stream for both. */
export type SessionKind = 'issuance' | 'presentation';

export interface SessionRecord {
  id: string;
  /** Absent means issuance (rows written before the verifier existed). */
  kind?: SessionKind;
  /** Verification sessions: the public id of the presentation request (never a secret). */
  offerId: string;
  state: SessionState;
  /** 'none' for verification sessions. */
  grantType: GrantType | 'none';
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
  kind?: SessionKind;
  state?: SessionState;
  credentialConfigurationId?: string;
  createdAfter?: number;
  createdBefore?: number;
  /** Only sessions with at least one error entry in their log. */
  withErrors?: boolean;
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
  /** The refresh token family of the authorization code it came from; null for a pre-authorized code. */
  grantId: string | null;
}

/** An access token as read back: with the revocation of its grant, if any. */
export interface StoredAccessToken extends AccessTokenRecord {
  revoked: GrantRevocation | null;
}

export interface GrantRevocation {
  reason: GrantRevocationReason;
  at: number;
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
  /** Written shortly after issuance; absent while pending. */
  selfCheck?: CredentialSelfCheck | null;
}

/** The issuer re-reading a credential it issued. Wire JSON: stored and shown as is. */
export interface CredentialSelfCheck {
  status: 'pass' | 'warn' | 'fail';
  checked_at: string;
  checks: { check: string; status: 'pass' | 'warn' | 'fail' | 'skip'; detail: string; spec_ref: string }[];
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

/** A holder key verified at the credential endpoint and kept for deferred issuance (OID4VCI 1.0 §9). */
export interface DeferredHolderKey {
  jwk: Record<string, unknown>;
  didUrl?: string;
  keySource: string;
  thumbprint: string;
}

export interface DeferredTransactionRecord {
  /** Only the hash of the transaction_id is stored, like access tokens. */
  transactionIdHash: string;
  sessionId: string;
  credentialConfigurationId: string;
  credentialIdentifier: string | null;
  holderKeys: DeferredHolderKey[];
  createdAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  /** OID4VCI draft whose shape the credential request had, e.g. "d15"; absent or null for 1.0. */
  wireDraft?: string | null;
}

/** A read-only, expiring link to one session's page (no admin login). */
export interface ShareLinkRecord {
  tokenHash: string;
  sessionId: string;
  createdAt: number;
  expiresAt: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/**
 * Rows a request creates, written in the same transaction as its logs (see StoreWrites): a
 * request costs one commit, shared with its concurrent neighbours, instead of one per row.
 * Only rows nobody reads before the reply is sent belong here (single-use consumption of
 * codes and nonces is a conditional update whose result the request waits for). Written in the
 * order given (a session before the rows that point at it).
 */
export type NewRecord =
  | { kind: 'session'; session: SessionRecord }
  | { kind: 'pre_authorized_grant'; grant: PreAuthorizedGrantRecord }
  | { kind: 'access_token'; token: AccessTokenRecord }
  | { kind: 'nonce'; nonce: string; expiresAt: number; createdAt: number; requestId: string | null }
  | { kind: 'notification'; notification: Pick<NotificationRecord, 'notificationId' | 'sessionId' | 'credentialConfigurationId' | 'credentialIds' | 'createdAt'> }
  | { kind: 'status_entry'; entry: StatusEntryRecord }
  | { kind: 'presentation_request'; request: PresentationRequestRecord }
  | { kind: 'issuer_state'; issuerState: IssuerStateRecord }
  | { kind: 'deferred_transaction'; transaction: DeferredTransactionRecord }
  | { kind: 'authorization_request'; request: AuthorizationRequestRecord }
  | { kind: 'authorization_code'; code: AuthorizationCodeRecord }
  | { kind: 'refresh_token'; token: RefreshTokenRecord };

export interface StoreWrites {
  /** New rows, before everything else in the batch. */
  created?: NewRecord[];
  logs: LogEntry[];
  events: EventEntry[];
  /** Session state changes: compare-and-set from any of `from` to `to`. */
  transitions: { sessionId: string; from: SessionState[]; to: SessionState; at: number }[];
  issued: IssuedCredentialRecord[];
  /** Unbound log entries of earlier requests that now turn out to belong to a session (the nonce request). */
  rebind?: { requestId: string; sessionId: string }[];
  /** Self-check outcomes of credentials written earlier; applied after `issued`. */
  selfChecks?: { credentialId: string; result: CredentialSelfCheck }[];
}

export interface StatusListRecord {
  id: string;
  bits: number;
  size: number;
  allocated: number;
  updatedAt: number;
}

export interface StatusEntryRecord {
  listId: string;
  idx: number;
  sessionId: string;
  credentialId: string;
  status: number;
  updatedAt: number;
}

export interface StoreChange {
  logs: LogEntry[];
  events: EventEntry[];
  transitions: StoreWrites['transitions'];
  /** True when another instance on the same database committed it (PostgreSQL LISTEN/NOTIFY). */
  remote?: boolean;
  /** Earlier unbound entries (by request id) that this commit moved into a session (the nonce request). */
  rebound?: { requestId: string; sessionId: string }[];
}

/**
 * Retention. Expired single-use artefacts (nonces, codes, tokens, transactions) stay
 * `expiredGraceMs` after expiry so a late wallet still gets "expired" rather than "unknown";
 * never-redeemed offers go the same way; logs go after `logsMaxAgeMs`, whole sessions (with
 * everything that points at them) after `sessionsMaxAgeMs`.
 */
/**
 * Why a session ended without its wallet finishing: what it waited for ran out. offer_expired:
 * the offer, unredeemed; request_expired: a presentation request, unanswered;
 * authorization_expired / authorization_code_expired: the authorization request, or the code,
 * unused; access_token_expired: every access token, with no refresh token left and no
 * credential requested; transaction_expired: a deferred transaction, never picked up.
 */
export type SessionEndReason =
  | 'offer_expired'
  | 'request_expired'
  | 'authorization_expired'
  | 'authorization_code_expired'
  | 'access_token_expired'
  | 'transaction_expired';

export interface RetentionPolicy {
  expiredGraceMs: number;
  logsMaxAgeMs: number;
  sessionsMaxAgeMs: number;
  /** Rows per DELETE; each batch is its own short statement, so no long locks. */
  batchSize: number;
}

/** Rows deleted per table. */
export type PurgeCounts = Record<string, number>;

export interface PoolStats {
  /** Open connections, idle ones, and callers waiting for one. */
  total: number;
  idle: number;
  waiting: number;
  max: number;
}

/** A value every instance on the database shares; `version` makes updates compare-and-set. */
export interface SharedValue {
  value: string;
  version: number;
}

/** `OAuthStore` (oauth-records.ts): authorization code flow, refresh tokens, DPoP replay, secrets. */
export interface Store extends OAuthStore, NotificationStore, VerificationStore, TestPlanRunStore {
  readonly dialect: 'sqlite' | 'postgres';

  sessions: {
    create(session: SessionRecord): Promise<void>;
    get(id: string): Promise<SessionRecord | null>;
    getByOfferId(offerId: string): Promise<SessionRecord | null>;
    list(filter: SessionFilter): Promise<Page<SessionRecord>>;
    /** Counts a wallet fetch of the offer; returns the new count, or null when the session is gone. */
    recordOfferFetch(id: string, at: number): Promise<number | null>;
    /** Sets the claims of one configuration (deferred issuance); returns the updated session, null when gone. */
    supplyClaims(id: string, credentialConfigurationId: string, claims: Record<string, unknown>, at: number): Promise<SessionRecord | null>;
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
    get(tokenHash: string): Promise<StoredAccessToken | null>;
    /**
     * Counts `count` more credentials against the token, only if that keeps it at most `max`:
     * one conditional update, so concurrent requests cannot overshoot. The new total, or null
     * (nothing counted) when it would exceed `max`.
     */
    countCredentials(tokenHash: string, count: number, max: number): Promise<number | null>;
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
    /** `afterId`: only entries with a larger (later) id, for live views catching up. */
    list(sessionId: string | null, opts: { level?: LogLevel[]; limit: number; offset: number; order?: 'asc' | 'desc'; afterId?: string }): Promise<Page<LogEntry>>;
  };

  events: {
    list(sessionId: string, opts: { limit: number; offset: number; afterId?: string }): Promise<Page<EventEntry>>;
  };

  transactions: {
    create(t: DeferredTransactionRecord): Promise<void>;
    /** Explains a failed consume; never used to decide success. */
    peek(transactionIdHash: string): Promise<DeferredTransactionRecord | null>;
    /** Marks a live, undelivered transaction delivered, exactly once. */
    consume(transactionIdHash: string, now: number): Promise<DeferredTransactionRecord | null>;
    listBySession(sessionId: string): Promise<DeferredTransactionRecord[]>;
  };

  shares: {
    create(link: ShareLinkRecord): Promise<void>;
    get(tokenHash: string): Promise<ShareLinkRecord | null>;
  };

  /** Dashboard sign-ins ended by sign-out before their cookie expires, by hash of the sign-in id. */
  dashboardSignOuts: {
    record(signInHash: string, expiresAt: number): Promise<void>;
    has(signInHash: string): Promise<boolean>;
  };

  rateLimits: {
    /** Counts one request against `key` in the fixed window containing `now`; returns the count so far. */
    hit(key: string, windowMs: number, now: number): Promise<number>;
  };

  statusLists: {
    get(id: string): Promise<StatusListRecord | null>;
    create(list: { id: string; bits: number; size: number; createdAt: number }): Promise<void>;
    /**
     * Claims `count` consecutive slots of the newest slot-allocated list that stays below
     * `maxFillRatio` with them, atomically across instances: slots [firstSlot, firstSlot + count)
     * are this caller's alone. Null when no list has room (the caller creates one).
     */
    reserveSlots(maxFillRatio: number, count: number): Promise<{ list: StatusListRecord; firstSlot: number } | null>;
    /** Non-zero entries only: what the list token encodes. */
    nonZeroEntries(listId: string): Promise<[number, number][]>;
    entriesBySession(sessionId: string): Promise<StatusEntryRecord[]>;
    setStatus(credentialId: string, status: number, now: number): Promise<StatusEntryRecord | null>;
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

  /** Operations: retention purge, readiness, pool usage. */
  maintenance: {
    purge(policy: RetentionPolicy, now: number, signal?: AbortSignal): Promise<PurgeCounts>;
    /** A trivial query; throws when the database is unreachable. */
    ping(): Promise<void>;
    /** Null for SQLite (one embedded connection). */
    poolStats(): PoolStats | null;
    /**
     * Moves up to `limit` sessions that ended without their wallet finishing (`from` states, see
     * SessionEndReason) to `to`, each by one conditional UPDATE: on several instances each session
     * is expired by exactly one. Returns the sessions this call moved, with their state before and
     * when what they waited for ran out.
     */
    expireEnded(now: number, from: readonly SessionState[], to: SessionState, limit: number): Promise<{ id: string; state: SessionState; reason: SessionEndReason; endedAt: number }[]>;
    /** Sessions per state (states without sessions absent), for the metrics. */
    countSessionsByState(): Promise<Partial<Record<SessionState, number>>>;
  };

  /** Generated issuer keys and admin token, shared by every instance on one database. */
  sharedState: {
    get(name: string): Promise<SharedValue | null>;
    /** Writes when the stored version is still `expectedVersion` (null: absent); false when another instance won. */
    put(name: string, value: string, expectedVersion: number | null, now: number): Promise<boolean>;
  };

  close(): Promise<void>;
}

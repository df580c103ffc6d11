/**
 * Storage contract of the authorization code flow, refresh tokens and DPoP replay:
 * part of `Store` (store.ts extends it). Secrets (issuer_state, request_uri, codes, refresh
 * tokens, CSRF tokens) are stored only as hashes. Every single-use artefact is consumed by one
 * conditional UPDATE … RETURNING, so the guarantees hold with several instances on one database.
 * Times are epoch milliseconds.
 */

/** Why every token of a grant was revoked (RFC 6749 §4.1.2, RFC 9700 §4.14.2). */
export type GrantRevocationReason = 'authorization_code_reused' | 'refresh_token_reused';

/** issuer_state of an offer's authorization_code grant (OID4VCI 1.0 §4.1.1), tied to its session. */
export interface IssuerStateRecord {
  issuerStateHash: string;
  sessionId: string;
  expiresAt: number;
}

/** What the wallet asked for and what it is granted: configuration ids and how they were named. */
export interface RequestedCredentials {
  credentialConfigurationIds: string[];
  /** True when authorization_details named them (then the token response returns authorization_details, §6.2). */
  detailsRequested: boolean;
  /** The scope values that were understood, space-separated; null when no scope was used. */
  scope: string | null;
}

/**
 * One authorization request: created by PAR (with a request_uri) or by a plain authorization
 * request; the login/consent page works on it until the user decides, exactly once.
 */
export interface AuthorizationRequestRecord extends RequestedCredentials {
  id: string;
  requestUriHash: string | null;
  sessionId: string;
  clientId: string;
  redirectUri: string;
  state: string | null;
  codeChallenge: string;
  /** Key the code is bound to (RFC 9449 §10): dpop_jkt or the DPoP proof at PAR. */
  dpopJkt: string | null;
  requestUriExpiresAt: number | null;
  requestUriUsedAt: number | null;
  /** Hash of the CSRF token of the consent page; set when the page is first shown. */
  csrfHash: string | null;
  /** Until when the consent page accepts a decision. */
  expiresAt: number;
  decidedAt: number | null;
  createdAt: number;
}

export interface AuthorizationCodeRecord extends RequestedCredentials {
  codeHash: string;
  sessionId: string;
  authorizationRequestId: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  dpopJkt: string | null;
  /** Refresh token family created by this code; revoked when the code is redeemed twice. */
  familyId: string;
  expiresAt: number;
  consumedAt: number | null;
  createdAt: number;
}

export interface RefreshTokenRecord extends RequestedCredentials {
  tokenHash: string;
  familyId: string;
  sessionId: string;
  clientId: string;
  dpopJkt: string | null;
  /** The family's absolute end: rotation does not extend it. */
  expiresAt: number;
  createdAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
}

export interface OAuthStore {
  authorizations: {
    getIssuerState(issuerStateHash: string): Promise<IssuerStateRecord | null>;
    /** An offer with both grants: the session's grant_type becomes the one the wallet started. */
    setSessionGrantType(sessionId: string, grantType: 'authorization_code' | 'pre-authorized_code', at: number): Promise<void>;
    createRequest(record: AuthorizationRequestRecord): Promise<void>;
    /**
     * Uses a PAR request_uri exactly once while it is live, and in the same update opens the
     * consent page (CSRF hash and page expiry). Null when unknown, used or expired.
     */
    useRequestUri(requestUriHash: string, now: number, csrfHash: string, expiresAt: number): Promise<AuthorizationRequestRecord | null>;
    /** Explains a failed `useRequestUri`; never used to decide success. */
    peekRequestUri(requestUriHash: string): Promise<AuthorizationRequestRecord | null>;
    getRequest(id: string): Promise<AuthorizationRequestRecord | null>;
    /** Records the user's decision exactly once, only with the page's CSRF hash and while the page is live. */
    decide(id: string, csrfHash: string, now: number): Promise<AuthorizationRequestRecord | null>;
    createCode(record: AuthorizationCodeRecord): Promise<void>;
    peekCode(codeHash: string): Promise<AuthorizationCodeRecord | null>;
    /** Redeems a live code exactly once. */
    consumeCode(codeHash: string, now: number): Promise<AuthorizationCodeRecord | null>;
  };

  refreshTokens: {
    create(record: RefreshTokenRecord): Promise<void>;
    peek(tokenHash: string): Promise<RefreshTokenRecord | null>;
    /** Marks a live, unrotated, unrevoked refresh token rotated, exactly once. */
    rotate(tokenHash: string, now: number): Promise<RefreshTokenRecord | null>;
    /**
     * Revokes the grant of a family: its refresh tokens, and every access token issued from it,
     * also ones whose rows land after this call (the revocation is a row of its own, checked
     * when a token is read). Returns how many tokens were still live.
     */
    revokeFamily(familyId: string, sessionId: string, reason: GrantRevocationReason, now: number): Promise<{ refreshTokens: number; accessTokens: number }>;
  };

  replay: {
    /**
     * Records a DPoP proof's jti for its key until `expiresAt`. True the first time; false when
     * the pair was seen and is still within its window. One INSERT … ON CONFLICT: atomic across instances.
     */
    useDpopJti(jkt: string, jti: string, expiresAt: number, now: number): Promise<boolean>;
  };

  secrets: {
    /**
     * A named server secret shared by every instance on this database (HMAC key of DPoP nonces
     * and consent pages). The first caller's value wins; later callers get the stored one.
     */
    getOrCreate(name: string, candidate: string, now: number): Promise<string>;
  };
}

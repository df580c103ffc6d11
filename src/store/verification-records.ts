/**
 * The verifier's aggregate: one presentation request per verification session (OpenID4VP 1.0).
 * Secrets a wallet redeems something with (the request_uri token, state, the response code)
 * are stored as keyed hashes only; the nonce is stored as is because every presentation must
 * be compared with it. The ephemeral response encryption key lives as long as its request.
 */
import type { JWK } from 'jose';

export type ResponseMode = 'direct_post' | 'direct_post.jwt';
export type ClientIdPrefix = 'x509_san_dns' | 'x509_hash' | 'redirect_uri';

/** Fault switches of one request (docs/faults.md), to test a wallet's error handling. */
export interface PresentationFaults {
  /** The request object is served unsigned (alg none) although the prefix needs a signature. */
  unsignedRequest?: boolean;
  /** The first response is refused with invalid_request and the request stays open. */
  rejectFirstResponse?: boolean;
  /** The request_uri can be fetched once. */
  singleFetch?: boolean;
  /** Every response, an error response too, must come encrypted (direct_post.jwt). */
  requireEncryptedResponse?: boolean;
}

export interface PresentationOptions {
  preset?: string;
  responseMode: ResponseMode;
  clientIdPrefix: ClientIdPrefix;
  responseUri: string;
  /** Refuse draft shapes, untrusted issuers, unrequested claims and unknown status. */
  strict: boolean;
  /** Asked in the shape of an older draft (protocol/oid4vp/draft-request.ts). */
  draftRequest?: 'presentation_definition' | 'client_id_scheme';
  faults: PresentationFaults;
  /** The request object as signed at each fetch (holds state: never presented; the session holds a redacted copy). */
  requestObject: Record<string, unknown>;
}

/** One presented credential as the verifier judged it (wire JSON: stored and shown as is). */
export interface VerifiedCredentialView {
  credential_query_id: string;
  format: string;
  issuer: string | null;
  /** Disclosed claims the query asked for, and nothing else. */
  claims: Record<string, unknown>;
  status: 'valid' | 'revoked' | 'suspended' | 'unknown' | 'none';
  trusted: boolean;
  verified: boolean;
  checks: PresentationCheck[];
}

export interface PresentationCheck {
  check: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  detail: string;
  /** Diagnostic code of a failed or warned check. */
  code?: string;
}

export interface PresentationResult {
  verified: boolean;
  credentials: VerifiedCredentialView[];
  /** Set when the wallet answered with an error response. */
  wallet_error?: { error: string; error_description?: string };
  judged_at: string;
}

export interface PresentationRequestRecord {
  sessionId: string;
  requestTokenHash: string;
  stateHash: string;
  encryptionKid: string | null;
  responseCodeHash: string | null;
  nonce: string;
  /** The full client_id, prefix included (OpenID4VP 1.0 §5.9.1). */
  clientId: string;
  options: PresentationOptions;
  dcqlQuery: Record<string, unknown>;
  /** Private JWK of the ephemeral response encryption key (direct_post.jwt); never shown. */
  encryptionKey: JWK | null;
  createdAt: number;
  expiresAt: number;
  fetches: number;
  responses: number;
  answeredAt: number | null;
  result: PresentationResult | null;
}

export interface VerificationStore {
  presentations: {
    get(sessionId: string): Promise<PresentationRequestRecord | null>;
    getByRequestToken(tokenHash: string): Promise<PresentationRequestRecord | null>;
    getByState(stateHash: string): Promise<PresentationRequestRecord | null>;
    getByEncryptionKid(kid: string): Promise<PresentationRequestRecord | null>;
    getByResponseCode(codeHash: string): Promise<PresentationRequestRecord | null>;
    /** Counts a fetch of the request object; returns the new count, null when gone. */
    recordFetch(sessionId: string): Promise<number | null>;
    /** Counts a posted response (answered or not); returns the new count, null when gone. */
    recordResponse(sessionId: string): Promise<number | null>;
    /**
     * Accepts the one response of a live request: exactly once, and only before it expires.
     * False when it was answered already or has expired (peek with get() to say which).
     */
    answer(sessionId: string, responseCodeHash: string, now: number): Promise<boolean>;
    saveResult(sessionId: string, result: PresentationResult): Promise<void>;
  };
}

/**
 * Session lifecycle. State changes only through this table: an event type moves a session to a
 * state from any of the listed states. Repeated events (a second offer fetch, a second
 * credential) leave the state as it is.
 */

export const sessionStates = [
  'offer_created',
  'offer_retrieved',
  // Authorization code flow: PAR / authorization request seen, then consent given.
  'authorization_requested',
  'authorization_granted',
  'token_exchanged',
  'credential_issued',
  'deferred',
  'completed',
  // The wallet reported credential_deleted (§11.1: issuance ended unsuccessfully by a user action).
  'credential_deleted',
  'failed',
  'expired',
  // Verification sessions (OpenID4VP 1.0): request object fetched, response posted, then judged.
  'created',
  'request_retrieved',
  'response_received',
  'verified',
] as const;
export type SessionState = (typeof sessionStates)[number];

export const eventTypes = [
  'offer_created',
  'offer_retrieved',
  // A fetch of the offer URI after the offer was redeemed or expired: answered 410, without the offer.
  'offer_retrieval_refused',
  'token_exchanged',
  'nonce_issued',
  'credential_issued',
  'credential_deferred',
  'claims_supplied',
  'notification_received',
  'session_failed',
  'session_expired',
  // Token Status List: revoked, suspended, reinstated.
  'credential_status_changed',
  // Authorization code flow and refresh tokens.
  'authorization_requested',
  'authorization_granted',
  'authorization_denied',
  'token_refreshed',
  'refresh_tokens_revoked',
  // Fault injection: a switch of the offer refused a request on purpose.
  'fault_injected',
  // Verification sessions (OpenID4VP 1.0).
  'request_created',
  'request_retrieved',
  'response_received',
  'presentation_verified',
  'presentation_failed',
] as const;
export type EventType = (typeof eventTypes)[number];

interface Transition {
  from: readonly SessionState[];
  to: SessionState;
}

const live: readonly SessionState[] = ['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted', 'token_exchanged', 'credential_issued', 'deferred'];

/** A verification session still waiting for the wallet's response. */
const verificationLive: readonly SessionState[] = ['created', 'request_retrieved'];

const transitions: Partial<Record<EventType, Transition>> = {
  offer_retrieved: { from: ['offer_created'], to: 'offer_retrieved' },
  // A repeated authorization request (the wallet restarts it) leaves the state as it is.
  authorization_requested: { from: ['offer_created', 'offer_retrieved'], to: 'authorization_requested' },
  authorization_granted: { from: ['offer_created', 'offer_retrieved', 'authorization_requested'], to: 'authorization_granted' },
  token_exchanged: { from: ['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted'], to: 'token_exchanged' },
  credential_issued: { from: ['token_exchanged', 'deferred'], to: 'credential_issued' },
  credential_deferred: { from: ['token_exchanged'], to: 'deferred' },
  session_failed: { from: live, to: 'failed' },
  session_expired: { from: [...live, ...verificationLive], to: 'expired' },
  // A wallet may fetch the request object again (retry): the state stays request_retrieved.
  request_retrieved: { from: ['created'], to: 'request_retrieved' },
  response_received: { from: verificationLive, to: 'response_received' },
  presentation_verified: { from: ['response_received'], to: 'verified' },
  presentation_failed: { from: [...verificationLive, 'response_received'], to: 'failed' },
};

/**
 * notification_received moves the session by the wallet's event (OID4VCI 1.0 §11.1):
 * accepted completes it; a failure (partial batch failures included) or a user's deletion ends
 * it even after another notification said accepted.
 */
const notificationTransitions: Record<string, Transition> = {
  credential_accepted: { from: ['credential_issued'], to: 'completed' },
  credential_failure: { from: ['credential_issued', 'completed', 'credential_deleted'], to: 'failed' },
  credential_deleted: { from: ['credential_issued', 'completed'], to: 'credential_deleted' },
};

/** The state change an event causes, if any (notification_received: by `details.event`). */
export function transitionFor(event: EventType, details?: Record<string, unknown> | null): Transition | undefined {
  if (event === 'notification_received') return notificationTransitions[String(details?.event)];
  return transitions[event];
}

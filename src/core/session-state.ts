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
  'failed',
  'expired',
] as const;
export type SessionState = (typeof sessionStates)[number];

export const eventTypes = [
  'offer_created',
  'offer_retrieved',
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
] as const;
export type EventType = (typeof eventTypes)[number];

interface Transition {
  from: readonly SessionState[];
  to: SessionState;
}

const live: readonly SessionState[] = ['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted', 'token_exchanged', 'credential_issued', 'deferred'];

const transitions: Partial<Record<EventType, Transition>> = {
  offer_retrieved: { from: ['offer_created'], to: 'offer_retrieved' },
  // A repeated authorization request (the wallet restarts it) leaves the state as it is.
  authorization_requested: { from: ['offer_created', 'offer_retrieved'], to: 'authorization_requested' },
  authorization_granted: { from: ['offer_created', 'offer_retrieved', 'authorization_requested'], to: 'authorization_granted' },
  token_exchanged: { from: ['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted'], to: 'token_exchanged' },
  credential_issued: { from: ['token_exchanged', 'deferred'], to: 'credential_issued' },
  credential_deferred: { from: ['token_exchanged'], to: 'deferred' },
  session_failed: { from: live, to: 'failed' },
  session_expired: { from: live, to: 'expired' },
};

/** The state change an event causes, if any. */
export function transitionFor(event: EventType): Transition | undefined {
  return transitions[event];
}

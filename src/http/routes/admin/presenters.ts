import { redactSecret } from '../../../core/ids.js';
import { redactOffer } from '../../../protocol/oid4vci/offer.js';
import { withholdAddresses } from '../../../session-log/redact.js';
import type { PresentationRequestRecord } from '../../../store/verification-records.js';
import type { DeferredTransactionRecord, EventEntry, IssuedCredentialRecord, LogEntry, SessionFilter, SessionRecord } from '../../../store/store.js';

/** GET /sessions parameters as the API and the dashboard take them: snake_case, ISO times. */
export interface SessionQueryParams {
  kind?: SessionFilter['kind'];
  state?: SessionFilter['state'];
  credential_configuration_id?: string;
  created_after?: string;
  created_before?: string;
  with_errors?: boolean;
  limit: number;
  offset: number;
}

export function sessionFilterFrom(q: SessionQueryParams): SessionFilter {
  return {
    kind: q.kind,
    state: q.state,
    credentialConfigurationId: q.credential_configuration_id,
    createdAfter: q.created_after ? Date.parse(q.created_after) : undefined,
    createdBefore: q.created_before ? Date.parse(q.created_before) : undefined,
    withErrors: q.with_errors || undefined,
    limit: q.limit,
    offset: q.offset,
  };
}

/** Admin API views: wire JSON in snake_case, secrets replaced by keyed fingerprints. */
export function presentSession(s: SessionRecord, serverSecret: string): Record<string, unknown> {
  if (s.kind === 'presentation') return presentVerificationSession(s);
  return {
    session_id: s.id,
    kind: 'issuance',
    offer_id: s.offerId,
    state: s.state,
    grant_type: s.grantType,
    credential_configuration_ids: s.credentialConfigurationIds,
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
    offer_expires_at: new Date(s.offerExpiresAt).toISOString(),
    offer_fetches: s.offerFetches,
    credential_offer: redactOffer(s.offer, serverSecret),
    options: {
      by_reference: s.options.byReference,
      tx_code: s.options.txCode ?? null,
      deferred: s.options.deferred,
      require_dpop: s.options.requireDpop ?? false,
      // Strict mode and the fault switches of the offer.
      strict: s.options.strict ?? false,
      require_dpop_nonce: s.options.requireDpopNonce ?? false,
      reject_first_nonce: s.options.rejectFirstNonce ?? false,
      tx_code_failure: s.options.txCodeFailure ?? 'retry',
      single_fetch: s.options.singleFetch ?? false,
      require_encryption: s.options.requireEncryption ?? false,
      expires_in: s.options.expiresInSeconds ?? null,
      subject_id: s.options.subjectId ?? null,
      claims_supplied_for: Object.keys(s.options.claims),
    },
  };
}

/**
 * A session as a share link or an export shows it: the offer id is the credential_offer_uri,
 * which hands out the code until the token exchange, so only its fingerprint is shown. The
 * admin API keeps it (the admin created the offer and may show its QR code again).
 */
export function presentSharedSession(s: SessionRecord, serverSecret: string): Record<string, unknown> {
  return { ...presentSession(s, serverSecret), offer_id: redactSecret(serverSecret, s.offerId) };
}

/**
 * A verification session (OpenID4VP): the request object as signed, state redacted. The
 * request_uri token and the response code are never shown (they fetch or read something).
 * `result` and the request's own fields come from presentPresentationRequest.
 */
function presentVerificationSession(s: SessionRecord): Record<string, unknown> {
  return {
    session_id: s.id,
    kind: 'presentation',
    request_id: s.offerId,
    state: s.state,
    created_at: new Date(s.createdAt).toISOString(),
    updated_at: new Date(s.updatedAt).toISOString(),
    expires_at: new Date(s.offerExpiresAt).toISOString(),
    client_id: s.offer.client_id,
    response_mode: s.offer.response_mode,
    dcql_query: s.offer.dcql_query,
    request_object: s.offer,
  };
}

/** What only the presentation request knows: options, fetch count, and the judged result. */
export function presentPresentationRequest(r: PresentationRequestRecord): Record<string, unknown> {
  return {
    preset: r.options.preset ?? null,
    client_id_prefix: r.options.clientIdPrefix,
    response_uri: r.options.responseUri,
    strict: r.options.strict,
    draft_request: r.options.draftRequest ?? null,
    faults: {
      unsigned_request: r.options.faults.unsignedRequest ?? false,
      reject_first_response: r.options.faults.rejectFirstResponse ?? false,
      single_fetch: r.options.faults.singleFetch ?? false,
      require_encrypted_response: r.options.faults.requireEncryptedResponse ?? false,
    },
    request_fetches: r.fetches,
    responses: r.responses,
    answered_at: r.answeredAt === null ? null : new Date(r.answeredAt).toISOString(),
    result: r.result,
  };
}

export function presentLog(l: LogEntry): Record<string, unknown> {
  return {
    id: l.id,
    timestamp: new Date(l.timestamp).toISOString(),
    level: l.level,
    endpoint: l.endpoint,
    request_id: l.requestId,
    message: l.message,
    data: l.data,
  };
}

export function presentEvent(e: EventEntry): Record<string, unknown> {
  return { id: e.id, type: e.type, timestamp: new Date(e.timestamp).toISOString(), details: e.details };
}

export function presentIssuedCredential(c: IssuedCredentialRecord): Record<string, unknown> {
  return {
    credential_configuration_id: c.credentialConfigurationId,
    format: c.format,
    holder_key_thumbprint: c.holderKeyThumbprint,
    key_source: c.keySource,
    credential_sha256: c.credentialDigest,
    // The issuer's re-reading of the credential; null until it is written (shortly after issuance).
    self_check: c.selfCheck ?? null,
    issued_at: new Date(c.issuedAt).toISOString(),
    expires_at: new Date(c.expiresAt).toISOString(),
  };
}

/** Deferred transactions: never the id (only its hash is stored), the keys by thumbprint. */
export function presentTransaction(t: DeferredTransactionRecord): Record<string, unknown> {
  return {
    credential_configuration_id: t.credentialConfigurationId,
    holder_keys: t.holderKeys.map((k) => ({ key_source: k.keySource, thumbprint: k.thumbprint })),
    created_at: new Date(t.createdAt).toISOString(),
    expires_at: new Date(t.expiresAt).toISOString(),
    delivered_at: t.deliveredAt === null ? null : new Date(t.deliveredAt).toISOString(),
  };
}

/** A log entry as a share-link viewer sees it: no client addresses. */
export function presentSharedLog(l: LogEntry): Record<string, unknown> {
  return presentLog({ ...l, data: withholdAddresses(l.data) });
}

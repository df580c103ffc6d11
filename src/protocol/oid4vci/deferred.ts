import { fail } from '../../core/diagnostics.js';
import { hashSecret, newId, redactSecret } from '../../core/ids.js';
import type { DeferredTransactionRecord, SessionRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import type { ProtocolRequest } from '../request.js';
import { verifyAccessToken } from '../oauth/access-token.js';
import { importResponseKey, readRequestBody, sealResponse, verifyResponseEncryption } from './encryption.js';
import { issueCredentials, type BoundKey } from './issue-credentials.js';
import { createIssuancePending, shapeCredentialResponse } from '../drafts/response-shape.js';
import type { WireDraft } from '../drafts/wire-draft.js';

/**
 * Deferred issuance, OID4VCI 1.0 §9. The credential endpoint verifies the proofs and keeps the
 * proven keys under a transaction_id (202, §8.3); the wallet polls the deferred endpoint, which
 * answers 202 with `interval` until the operator supplies claims (POST /sessions/{id}/claims),
 * then 200 with the credentials, once: delivery consumes the transaction in one conditional
 * update. Wallets whose credential request had a draft 13–15 shape get the `issuance_pending`
 * error of those drafts instead of 202 (protocol/drafts/response-shape.ts).
 */

export async function createDeferredTransaction(
  deps: Pick<IssuerDeps, 'clock' | 'config' | 'serverSecret'>,
  session: SessionRecord,
  credentialConfigurationId: string,
  credentialIdentifier: string | null,
  keys: readonly BoundKey[],
  rec: Recorder,
  /** The draft whose shape the credential request had; the deferred endpoint answers in it. */
  draft: WireDraft | null = null,
): Promise<ProtocolResponse> {
  const transactionId = newId('txn');
  const now = deps.clock.nowMs();
  const expiresAt = now + deps.config.deferred.transactionTtlSeconds * 1000;
  // Created with its credential_deferred event, in the request's one commit.
  const transaction: DeferredTransactionRecord = {
    transactionIdHash: hashSecret(transactionId),
    sessionId: session.id,
    credentialConfigurationId,
    credentialIdentifier,
    holderKeys: keys.map((k) => ({ jwk: { ...k.holderKey.jwk }, didUrl: k.holderKey.didUrl, keySource: k.keySource, thumbprint: k.thumbprint })),
    createdAt: now,
    expiresAt,
    deliveredAt: null,
    ...(draft ? { wireDraft: draft } : {}),
  };
  rec.create({ kind: 'deferred_transaction', transaction });
  const interval = deps.config.deferred.intervalSeconds;
  rec.event('credential_deferred', { credential_configuration_id: credentialConfigurationId, keys: keys.length, interval });
  rec.log('info', 'Credential deferred: claims not supplied yet (OID4VCI 1.0 §9)', {
    transaction_id: redactSecret(deps.serverSecret, transactionId),
    credential_configuration_id: credentialConfigurationId,
    holder_keys: keys.map((k) => ({ source: k.keySource, thumbprint: k.thumbprint })),
    interval,
    expires_at: new Date(expiresAt).toISOString(),
    next_step: `Supply claims with POST /sessions/${session.id}/claims (or the Supply Claims form); the wallet then collects the credential at the deferred_credential_endpoint.`,
  });
  return { status: 202, headers: { 'cache-control': 'no-store' }, body: { transaction_id: transactionId, interval } };
}

/** Deferred credential endpoint, OID4VCI 1.0 §9: token, body, transaction, readiness, delivery. */
export async function handleDeferredCredentialRequest(
  deps: IssuerDeps,
  urls: IssuerUrls,
  http: ProtocolRequest,
  rec: Recorder,
): Promise<ProtocolResponse> {
  // A DPoP-bound token needs its proof here too (RFC 9449 §7), with htu = this endpoint.
  const token = await verifyAccessToken(deps, http.headers.authorization, rec, { header: http.headers.dpop, method: 'POST', url: urls.endpoint('deferred_credential') });
  // §9.1, §10: the request may be encrypted; new credential_response_encryption params replace the original ones.
  const body = await readRequestBody(deps, http, rec);
  const transactionId = parseDeferredRequest(body.value);
  const responseEncryption = verifyResponseEncryption(deps, (body.value as Record<string, unknown>).credential_response_encryption, body.encrypted);
  await importResponseKey(responseEncryption);
  const hash = hashSecret(transactionId);
  const shown = redactSecret(deps.serverSecret, transactionId);
  const transaction = await deps.store.transactions.peek(hash);
  const now = deps.clock.nowMs();
  if (!transaction) fail('deferred.transaction_id.unknown', `transaction_id ${shown} is not known here`, { path: 'body.transaction_id' });
  if (transaction.sessionId !== token.sessionId) {
    fail('deferred.transaction_id.foreign', `transaction_id ${shown} belongs to another session than this access token`, { path: 'body.transaction_id' });
  }
  explainIfNotLive(transaction, shown, now);

  const session = await deps.store.sessions.get(transaction.sessionId);
  if (!session) throw new Error(`Session ${transaction.sessionId} of a deferred transaction is missing`);
  const interval = deps.config.deferred.intervalSeconds;
  if (!session.options.claims[transaction.credentialConfigurationId]) {
    rec.log('info', 'Deferred credential not ready: claims not supplied yet', {
      transaction_id: shown,
      credential_configuration_id: transaction.credentialConfigurationId,
      interval,
    });
    if (transaction.wireDraft) return createIssuancePending(interval, transaction.wireDraft as WireDraft, rec);
    return sealResponse(responseEncryption, { status: 202, headers: { 'cache-control': 'no-store' }, body: { transaction_id: transactionId, interval } }, rec);
  }

  const configuration = deps.configurations.byId.get(transaction.credentialConfigurationId);
  if (!configuration) throw new Error(`Configuration ${transaction.credentialConfigurationId} of a deferred transaction is gone`);
  const keys: BoundKey[] = transaction.holderKeys.map((k) => ({
    holderKey: { jwk: k.jwk, ...(k.didUrl ? { didUrl: k.didUrl } : {}) },
    keySource: k.keySource,
    thumbprint: k.thumbprint,
  }));
  // Issue first, consume second: a failed issuance leaves the transaction for another poll;
  // of two concurrent polls, only the one that consumes it delivers.
  const issued = await issueCredentials(deps, urls, session, configuration, transaction.credentialIdentifier, keys);
  const consumed = await deps.store.transactions.consume(hash, deps.clock.nowMs());
  if (!consumed) {
    explainIfNotLive((await deps.store.transactions.peek(hash)) ?? transaction, shown, deps.clock.nowMs());
    fail('deferred.transaction_id.redeemed', `transaction_id ${shown} was delivered by a concurrent request`, { path: 'body.transaction_id' });
  }
  for (const record of issued.records) rec.recordIssued(record);
  for (const entry of issued.statusEntries) rec.create({ kind: 'status_entry', entry });
  deps.selfCheck.schedule(rec, 'deferred_credential', issued.records.map((record, i) => ({ record, credential: issued.credentials[i].credential, configuration })));
  rec.event('credential_issued', {
    credential_configuration_id: configuration.id,
    format: configuration.format,
    count: issued.credentials.length,
    key_sources: keys.map((k) => k.keySource),
    deferred: true,
  });
  rec.log('info', `Deferred issuance: delivered ${issued.credentials.length} ${configuration.format} credential(s)`, {
    transaction_id: shown,
    credential_configuration_id: configuration.id,
    holder_keys: keys.map((k) => ({ source: k.keySource, did: k.holderKey.didUrl, jwk: k.holderKey.jwk })),
    valid_until: new Date(issued.validUntil).toISOString(),
    claims_source: issued.claimsSource,
  });
  // No notification_id: @openid4vc/openid4vci 0.4.6 rejects it in deferred responses (wallet-quirks).
  const response = await shapeCredentialResponse(deps, (transaction.wireDraft as WireDraft | undefined) ?? null, undefined, { status: 200, headers: { 'cache-control': 'no-store' }, body: { credentials: issued.credentials } }, rec);
  return sealResponse(responseEncryption, response, rec);
}

function explainIfNotLive(t: DeferredTransactionRecord, shown: string, now: number): void {
  if (t.deliveredAt !== null) {
    fail('deferred.transaction_id.redeemed', `transaction_id ${shown} was already delivered at ${new Date(t.deliveredAt).toISOString()}`, {
      path: 'body.transaction_id',
    });
  }
  if (t.expiresAt <= now) {
    fail('deferred.transaction_id.expired', `transaction_id ${shown} expired at ${new Date(t.expiresAt).toISOString()}`, { path: 'body.transaction_id' });
  }
}

/** Content type, JSON, depth limit and decryption are readRequestBody's (encryption.ts). */
function parseDeferredRequest(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    fail('deferred.request.malformed', `The body is ${Array.isArray(body) ? 'an array' : typeof body}, not a JSON object`, { path: 'body' });
  }
  const record = body as Record<string, unknown>;
  if (typeof record.transaction_id !== 'string' || record.transaction_id === '') {
    fail('deferred.request.malformed', record.transaction_id === undefined ? 'transaction_id is missing' : 'transaction_id is not a non-empty string', {
      path: 'body.transaction_id',
      found: Object.keys(record),
    });
  }
  return record.transaction_id;
}

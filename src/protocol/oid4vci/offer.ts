import { randomInt } from 'node:crypto';
import { fail } from '../../core/diagnostics.js';
import { hashSecret, newId, randomToken, redactSecret } from '../../core/ids.js';
import { validateClaims } from '../../credential-configurations/claims.js';
import type { CreateOfferRequest } from '../../schemas/admin.js';
import type { OfferOptions, SessionRecord, TxCodeSpec } from '../../store/store.js';
import { AdminRequestError } from '../admin-error.js';
import { verifyOfferFetchFault } from '../faults/inject.js';
import { describeFaults, offerTtlSeconds, readFaultOptions } from '../faults/offer-faults.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

export interface CreatedOffer {
  session_id: string;
  offer_id: string;
  credential_offer: Record<string, unknown>;
  credential_offer_uri?: string;
  offer_url: string;
  tx_code?: string;
}

/** Creates a session and its credential offer (OID4VCI 1.0 §4.1). The tx_code is returned once, here only. */
export async function createOffer(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'configurations' | 'config' | 'serverSecret'>,
  urls: IssuerUrls,
  input: CreateOfferRequest,
  rec: Recorder,
): Promise<CreatedOffer> {
  const problems: string[] = [];
  const ids = [...new Set(input.credential_configuration_ids)];
  for (const id of ids) if (!deps.configurations.byId.has(id)) problems.push(`credential_configuration_ids: unknown configuration ${id}`);
  const offered = readOfferedGrants(input);
  if (!offered.preAuthorized && !offered.authorizationCode) problems.push('grants: at least one grant must be offered');
  // Fault switches of the offer (src/protocol/faults/).
  const faults = readFaultOptions(input, readTxCodeOption(input) !== undefined);
  problems.push(...faults.problems);
  if (problems.length) throw new AdminRequestError(400, 'invalid_request', 'The offer cannot be created', problems);

  const claims = splitClaimsByConfiguration(ids, input.claims);
  const warnings: string[] = [];
  for (const [id, set] of Object.entries(claims)) {
    const result = validateClaims(deps.configurations.byId.get(id)!, set);
    if (!result.ok) problems.push(...result.problems.map((p) => `[${id}] ${p}`));
    else warnings.push(...(result.warnings ?? []).map((w) => `[${id}] ${w}`));
  }
  if (problems.length) throw new AdminRequestError(400, 'invalid_request', 'The claims do not fit the credential configuration', problems);

  const now = deps.clock.nowMs();
  const txCodeSpec = readTxCodeOption(input);
  const txCode = txCodeSpec ? generateTxCode(txCodeSpec) : undefined;
  const code = randomToken(32);
  const sessionId = newId('ses');
  const offerId = newId('off');
  const grant: Record<string, unknown> = { 'pre-authorized_code': code };
  // §4.1.1: the presence of tx_code (even {}) tells the wallet to ask the user for a code.
  if (txCodeSpec) grant.tx_code = { ...txCodeSpec, length: txCode!.length };
  // §4.1.1, §5.1.3: issuer_state ties the wallet's authorization request to this session; only its hash is stored.
  const issuerState = offered.authorizationCode ? randomToken(32) : undefined;
  const credentialOffer = {
    credential_issuer: urls.issuer,
    credential_configuration_ids: ids,
    grants: {
      ...(offered.authorizationCode ? { authorization_code: { issuer_state: issuerState } } : {}),
      ...(offered.preAuthorized ? { [PRE_AUTHORIZED_GRANT]: grant } : {}),
    },
  };
  const options: OfferOptions = {
    claims,
    ...(input.claims_editable !== undefined ? { claimsEditable: input.claims_editable } : {}),
    subjectId: input.subject_id,
    deferred: input.deferred ?? false,
    // Token/PAR need a wallet attestation; every proof needs a key attestation.
    requireWalletAttestation: input.require_wallet_attestation ?? false,
    requireKeyAttestation: input.require_key_attestation ?? false,
    byReference: input.by_reference ?? true,
    txCode: txCodeSpec,
    ...(input.require_dpop ? { requireDpop: true } : {}),
    ...faults.options,
  };
  const session: SessionRecord = {
    id: sessionId,
    offerId,
    state: 'offer_created',
    grantType: offered.preAuthorized ? 'pre-authorized_code' : 'authorization_code',
    credentialConfigurationIds: ids,
    offer: credentialOffer,
    options,
    createdAt: now,
    updatedAt: now,
    offerExpiresAt: now + offerTtlSeconds(deps, input) * 1000,
    offerFetches: 0,
  };
  rec.create({ kind: 'session', session });
  if (offered.preAuthorized) {
    rec.create({
      kind: 'pre_authorized_grant',
      grant: {
        codeHash: hashSecret(code),
        sessionId,
        txCodeHash: txCode ? hashSecret(txCode) : null,
        txCodeAttempts: 0,
        burnt: false,
        expiresAt: session.offerExpiresAt,
        consumedAt: null,
      },
    });
  }
  if (issuerState) rec.create({ kind: 'issuer_state', issuerState: { issuerStateHash: hashSecret(issuerState), sessionId, expiresAt: session.offerExpiresAt } });

  const offerUri = `${urls.endpoint('credential_offer')}/${offerId}`;
  const offerUrl = offerUrlOf(urls, session);

  rec.bindSession(sessionId);
  rec.event('offer_created', { credential_configuration_ids: ids, grant_type: session.grantType, grants: Object.keys(credentialOffer.grants), tx_code: Boolean(txCode), require_dpop: options.requireDpop ?? false, deferred: options.deferred, require_wallet_attestation: options.requireWalletAttestation, require_key_attestation: options.requireKeyAttestation, faults: describeFaults(options, deps.config).map((f) => f.name) });
  rec.log('info', 'Credential offer created', {
    // The offer id is the credential_offer_uri, a bearer capability: logs show its fingerprint.
    offer_id: redactSecret(deps.serverSecret, offerId),
    credential_offer: redactOffer(credentialOffer, deps.serverSecret),
    by_reference: options.byReference,
    tx_code: txCode ? redactSecret(deps.serverSecret, txCode) : undefined,
    claims_source: Object.fromEntries(ids.map((id) => [id, claims[id] ? 'offer' : options.deferred ? 'supplied later (deferred)' : 'sample claims'])),
    expires_at: new Date(session.offerExpiresAt).toISOString(),
  });
  for (const w of warnings) rec.log('warning', 'Claim not described by the configuration', { detail: w });

  return {
    session_id: sessionId,
    offer_id: offerId,
    credential_offer: credentialOffer,
    ...(options.byReference ? { credential_offer_uri: offerUri } : {}),
    offer_url: offerUrl,
    ...(txCode ? { tx_code: txCode } : {}),
  };
}

/** The deep link of a session's offer (§4.1): by reference to its credential_offer_uri, or by value. */
export function offerUrlOf(urls: IssuerUrls, session: Pick<SessionRecord, 'offerId' | 'offer' | 'options'>): string {
  return session.options.byReference
    ? `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(`${urls.endpoint('credential_offer')}/${session.offerId}`)}`
    : `openid-credential-offer://?credential_offer=${encodeURIComponent(JSON.stringify(session.offer))}`;
}

/**
 * GET of a credential_offer_uri (§4.1.3): repeatable until the token exchange, each fetch an
 * event. The offer URI is a bearer capability (it hands out the pre-authorized code or
 * issuer_state), so once the offer is redeemed or expired it answers 410 without the offer; the
 * refused fetch is still recorded on the session (log entry and `offer_retrieval_refused`).
 */
export async function handleOfferRetrieval(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>,
  offerId: string,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const shownId = redactSecret(deps.serverSecret, offerId);
  const session = await deps.store.sessions.getByOfferId(offerId);
  if (!session) fail('offer.unknown', `No credential offer with id ${shownId} (${offerId.length} characters${offerId.startsWith('off_') ? '' : ', not starting with off_'})`, { path: 'path.offer_id' });
  rec.bindSession(session.id);
  const now = deps.clock.nowMs();
  if (now >= session.offerExpiresAt) {
    rec.event('offer_retrieval_refused', { reason: 'expired', state: session.state });
    fail('offer.expired', `The offer expired at ${new Date(session.offerExpiresAt).toISOString()}`);
  }
  // An authorization in progress has not redeemed the offer: wallets re-fetch it (preview, then import).
  if (!['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted'].includes(session.state)) {
    rec.event('offer_retrieval_refused', { reason: 'already_redeemed', state: session.state });
    fail('offer.already_redeemed', `The session is in state ${session.state}; the offer was already exchanged for a token, so its code is no longer handed out`);
  }
  const fetches = (await deps.store.sessions.recordOfferFetch(session.id, now)) ?? session.offerFetches + 1;
  verifyOfferFetchFault(session, fetches, rec);
  rec.event('offer_retrieved', { fetch: fetches });
  rec.log('info', fetches > 1 ? `Credential offer retrieved again (fetch ${fetches})` : 'Credential offer retrieved by wallet', {
    offer_id: shownId,
    fetch: fetches,
  });
  return { status: 200, body: session.offer, headers: { 'cache-control': 'no-store' } };
}

/** The offer with its pre-authorized code and issuer_state replaced by fingerprints: safe for logs and the admin API. */
export function redactOffer(offer: Record<string, unknown>, serverSecret: string): Record<string, unknown> {
  const grants = { ...((offer.grants ?? {}) as Record<string, Record<string, unknown>>) };
  const pre = grants[PRE_AUTHORIZED_GRANT];
  const authorizationCode = grants.authorization_code;
  if (pre) grants[PRE_AUTHORIZED_GRANT] = { ...pre, 'pre-authorized_code': redactSecret(serverSecret, String(pre['pre-authorized_code'])) };
  // issuer_state is stored hashed and starts an authorization: shown like the other secrets.
  if (authorizationCode?.issuer_state) grants.authorization_code = { ...authorizationCode, issuer_state: redactSecret(serverSecret, String(authorizationCode.issuer_state)) };
  return pre || authorizationCode ? { ...offer, grants } : offer;
}

/**
 * One offer may name several configurations. With one configuration, `claims` is its claim
 * set; with several, `claims` is keyed by configuration id.
 */
function splitClaimsByConfiguration(ids: string[], claims: Record<string, unknown> | undefined): Record<string, Record<string, unknown>> {
  if (!claims) return {};
  const keyed = Object.keys(claims).length > 0 && Object.keys(claims).every((k) => ids.includes(k));
  if (keyed) return claims as Record<string, Record<string, unknown>>;
  if (ids.length === 1) return { [ids[0]]: claims };
  throw new AdminRequestError(400, 'invalid_request', 'claims must be keyed by credential configuration id when an offer names several configurations', [
    `claims: expected keys among ${ids.join(', ')}`,
  ]);
}

/**
 * Which grants the offer carries (CONTRACT: no `grants` means pre-authorized code only). With
 * `grants`, each is offered when set; pre-authorized stays the default unless only
 * authorization_code is asked for.
 */
function readOfferedGrants(input: CreateOfferRequest): { preAuthorized: boolean; authorizationCode: boolean } {
  const g = input.grants;
  const authorizationCode = g?.authorization_code === true;
  const pre = g?.pre_authorized_code;
  return { preAuthorized: pre === undefined ? !authorizationCode : pre !== false, authorizationCode };
}

function readTxCodeOption(input: CreateOfferRequest): TxCodeSpec | undefined {
  const pre = input.grants?.pre_authorized_code;
  if (typeof pre !== 'object' || !pre.tx_code) return undefined;
  const option = pre.tx_code === true ? {} : pre.tx_code;
  return { input_mode: option.input_mode ?? 'numeric', length: option.length ?? 6, ...(option.description ? { description: option.description } : {}) };
}

// No 0/O or 1/I/l in text codes: users type them from another screen.
const TEXT_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** The code matches its declared length and input_mode exactly; a mismatch locks wallets out. */
function generateTxCode(spec: TxCodeSpec): string {
  const alphabet = spec.input_mode === 'text' ? TEXT_ALPHABET : '0123456789';
  let code = '';
  for (let i = 0; i < (spec.length ?? 6); i++) code += alphabet[randomInt(alphabet.length)];
  return code;
}

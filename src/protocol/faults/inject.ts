/**
 * Where the fault switches of an offer act (offer-faults.ts lists them). Each injected refusal
 * is a catalogue diagnostic like any other plus a `fault_injected` event, so the session page
 * shows that the issuer misbehaved on purpose. "First" faults fire once per session: the
 * event is their memory, so they hold across instances.
 */
import { fail } from '../../core/diagnostics.js';
import { decodeJwt } from '../../formats/decode/jwt.js';
import type { CredentialRequest } from '../../schemas/credential-request.js';
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import { createDpopNonce } from '../oauth/dpop-nonce.js';
import { asResourceError, type VerifiedDpop } from '../oauth/dpop.js';

type Fault = 'reject_first_nonce' | 'tx_code_reject_first' | 'single_fetch' | 'require_dpop_nonce' | 'require_encryption';

async function firedBefore(deps: Pick<IssuerDeps, 'store'>, sessionId: string, fault: Fault): Promise<boolean> {
  const events = await deps.store.events.list(sessionId, { limit: 1000, offset: 0 });
  return events.items.some((e) => e.type === 'fault_injected' && e.details?.fault === fault);
}

/** single_fetch: the second GET of the credential_offer_uri is refused (§4.1.3 allows repeated fetches). */
export function verifyOfferFetchFault(session: SessionRecord, fetches: number, rec: Recorder): void {
  if (!session.options.singleFetch || fetches <= 1) return;
  rec.event('fault_injected', { fault: 'single_fetch', fetch: fetches });
  fail('fault.offer.single_fetch', `The offer was already fetched; this offer allows one fetch (single_fetch), this is fetch ${fetches}`, { path: 'path.offer_id' });
}

/** tx_code_failure reject_first: the first tx_code is answered as wrong without counting an attempt. */
export async function injectTxCodeFault(deps: Pick<IssuerDeps, 'store'>, session: SessionRecord, rec: Recorder): Promise<void> {
  if (session.options.txCodeFailure !== 'reject_first' || (await firedBefore(deps, session.id, 'tx_code_reject_first'))) return;
  rec.event('fault_injected', { fault: 'tx_code_reject_first' });
  fail('fault.tx_code.rejected_first', 'The first tx_code of this offer is refused on purpose (tx_code_failure reject_first); it was not checked and not counted', { path: 'body.tx_code' });
}

/** require_dpop_nonce at the token endpoint (RFC 9449 §8): DPoP itself, and a server nonce in it. */
export function verifyOfferDpopNonce(deps: Pick<IssuerDeps, 'clock' | 'config' | 'serverSecret'>, session: SessionRecord, dpop: VerifiedDpop | null): void {
  if (!session.options.requireDpopNonce) return;
  if (!dpop) fail('token.dpop.required', 'DPoP-bound tokens are required (require_dpop_nonce of the offer) and the request has no DPoP proof', { path: 'headers.dpop' });
  if (dpop.nonce) return;
  fail('dpop.nonce.missing', 'This offer requires DPoP server nonces (require_dpop_nonce) and the proof has none', {
    path: 'headers.dpop.payload.nonce',
    headers: { 'dpop-nonce': createDpopNonce(deps) },
  });
}

/**
 * The credential endpoint's per-offer switches, checked once the token and session are known:
 * require_dpop_nonce (RFC 9449 §9, resource server nonce), require_encryption (OID4VCI 1.0
 * §8.2, §10) and reject_first_nonce (§8.3.1.2 invalid_nonce).
 */
export async function injectCredentialFaults(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>,
  session: SessionRecord,
  request: CredentialRequest,
  /** The DPoP proof verifyAccessToken verified (null for a Bearer request): its nonce is read, not decoded again. */
  dpop: VerifiedDpop | null,
  rec: Recorder,
): Promise<void> {
  if (session.options.requireDpopNonce && dpop && dpop.nonce === undefined) {
    rec.event('fault_injected', { fault: 'require_dpop_nonce', endpoint: 'credential' });
    throw asResourceError(
      captureFailure(() =>
        fail('dpop.nonce.missing', 'This offer requires DPoP server nonces (require_dpop_nonce) and the proof has none', {
          path: 'headers.dpop.payload.nonce',
          headers: { 'dpop-nonce': createDpopNonce(deps) },
        }),
      ),
    );
  }
  if (session.options.requireEncryption && request.credential_response_encryption === undefined) {
    fail('encryption.response.required', 'The request has no credential_response_encryption, but this offer requires encrypted responses (require_encryption)', {
      path: 'body.credential_response_encryption',
    });
  }
  if (session.options.rejectFirstNonce) await injectNonceFault(deps, session, request, rec);
}

/** reject_first_nonce: the first proof's c_nonce is used up and refused, so only a fresh one works. */
async function injectNonceFault(deps: Pick<IssuerDeps, 'store' | 'clock'>, session: SessionRecord, request: CredentialRequest, rec: Recorder): Promise<void> {
  const first = Object.values(request.proofs ?? {})[0]?.[0];
  const nonce = typeof first === 'string' ? readClaim(first, 'nonce') : undefined;
  if (typeof nonce !== 'string' || (await firedBefore(deps, session.id, 'reject_first_nonce'))) return;
  // A nonce this issuer does not know is left to the normal checks, which explain it.
  const consumed = await deps.store.nonces.consume(nonce, deps.clock.nowMs());
  if (!consumed) return;
  if (consumed.requestId) rec.adoptRequest(consumed.requestId);
  rec.event('fault_injected', { fault: 'reject_first_nonce' });
  fail('fault.nonce.rejected_first', 'The first c_nonce of this session is refused on purpose (reject_first_nonce) and is now used up', {
    path: 'body.proofs.jwt[0].payload.nonce',
  });
}

function readClaim(jwt: string, claim: string): unknown {
  try {
    return decodeJwt(jwt).payload[claim];
  } catch {
    return undefined;
  }
}

function captureFailure(fn: () => never): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
}

/**
 * Fault injection per offer: switches that make this session misbehave on
 * purpose, so a wallet developer can watch their wallet's error handling. They live in the
 * session's options; inject.ts applies them at the endpoints; docs/faults.md has the table.
 * Metadata at one well-known form only is global (METADATA_WELL_KNOWN): metadata belongs to the
 * issuer, not to a session, and a per-offer issuer identifier would change every proof's aud.
 */
import type { Config } from '../../config/config.js';
import type { CreateOfferRequest } from '../../schemas/admin.js';
import type { OfferOptions, SessionRecord } from '../../store/store.js';
import type { IssuerDeps } from '../deps.js';

export type FaultOptions = Pick<OfferOptions, 'strict' | 'requireDpopNonce' | 'rejectFirstNonce' | 'txCodeFailure' | 'singleFetch' | 'requireEncryption' | 'expiresInSeconds'>;

/** The admin request's switches as session options, with the problems that make them unusable. */
export function readFaultOptions(input: CreateOfferRequest, offersTxCode: boolean): { options: FaultOptions; problems: string[] } {
  const problems: string[] = [];
  if (input.tx_code_failure && input.tx_code_failure !== 'retry' && !offersTxCode) {
    problems.push(`tx_code_failure: ${input.tx_code_failure} needs an offer with grants.pre_authorized_code.tx_code`);
  }
  const options: FaultOptions = {
    ...(input.strict ? { strict: true } : {}),
    ...(input.require_dpop_nonce ? { requireDpopNonce: true } : {}),
    ...(input.reject_first_nonce ? { rejectFirstNonce: true } : {}),
    ...(input.tx_code_failure && input.tx_code_failure !== 'retry' ? { txCodeFailure: input.tx_code_failure } : {}),
    ...(input.single_fetch ? { singleFetch: true } : {}),
    ...(input.require_encryption ? { requireEncryption: true } : {}),
    ...(input.expires_in !== undefined ? { expiresInSeconds: input.expires_in } : {}),
  };
  return { options, problems };
}

export interface FaultView {
  /** The admin API name of the switch. */
  name: string;
  detail: string;
  /** offer: set on this offer; global: set for the whole issuer (environment). */
  scope: 'offer' | 'global';
}

/** Every switch in effect for a session, for the session page and the admin API. */
export function describeFaults(options: OfferOptions, config: Pick<Config, 'compat' | 'oauth' | 'encryption'>): FaultView[] {
  const out: FaultView[] = [];
  const offer = (name: string, detail: string) => out.push({ name, detail, scope: 'offer' });
  const global = (name: string, detail: string) => out.push({ name, detail, scope: 'global' });
  if (options.strict) offer('strict', 'draft 11-15 request shapes are refused');
  else if (config.compat.strictMode) global('STRICT_MODE', 'draft 11-15 request shapes are refused');
  if (options.requireDpop) offer('require_dpop', 'only DPoP-bound access tokens');
  else if (config.oauth.dpopRequired) global('DPOP_REQUIRED', 'only DPoP-bound access tokens');
  if (options.requireDpopNonce) offer('require_dpop_nonce', 'DPoP proofs at token and credential endpoints must carry a server nonce');
  else if (config.oauth.dpopNonceRequired) global('DPOP_NONCE_REQUIRED', 'DPoP proofs must carry a server nonce');
  if (options.rejectFirstNonce) offer('reject_first_nonce', 'the first credential request is refused with invalid_nonce');
  if (options.deferred) offer('deferred', 'credentials are deferred until claims are supplied');
  if (options.txCodeFailure === 'burn') offer('tx_code_failure', 'burn: the first wrong tx_code burns the pre-authorized code');
  if (options.txCodeFailure === 'reject_first') offer('tx_code_failure', 'reject_first: the first tx_code is refused even when right');
  if (options.singleFetch) offer('single_fetch', 'the credential_offer_uri can be fetched once');
  if (options.requireEncryption) offer('require_encryption', 'credential responses must be encrypted');
  else if (config.encryption?.responseRequired) global('CREDENTIAL_RESPONSE_ENCRYPTION_REQUIRED', 'credential responses must be encrypted');
  if (options.requireWalletAttestation) offer('require_wallet_attestation', 'token and PAR need a wallet attestation');
  if (options.requireKeyAttestation) offer('require_key_attestation', 'every proof needs a key attestation');
  if (options.expiresInSeconds !== undefined) offer('expires_in', `offer, grant and access tokens live ${options.expiresInSeconds} s`);
  if (config.compat.metadataWellKnown !== 'both') global('METADATA_WELL_KNOWN', `metadata only at the ${config.compat.metadataWellKnown} well-known form`);
  return out;
}

/** Lifetime of the offer and its grant (pre-authorized code, issuer_state). */
export function offerTtlSeconds(deps: Pick<IssuerDeps, 'config'>, input: Pick<CreateOfferRequest, 'expires_in'>): number {
  return input.expires_in ?? deps.config.ttl.offerSeconds;
}

/** Access tokens of a session never outlive a short expiry of its offer. */
export function accessTokenTtlSeconds(deps: Pick<IssuerDeps, 'config'>, session: Pick<SessionRecord, 'options'>): number {
  const configured = deps.config.ttl.accessTokenSeconds;
  return session.options.expiresInSeconds === undefined ? configured : Math.min(configured, session.options.expiresInSeconds);
}

/** tx_code_failure burn: one wrong tx_code burns the code. */
export function txCodeMaxAttempts(deps: Pick<IssuerDeps, 'config'>, session: Pick<SessionRecord, 'options'>): number {
  return session.options.txCodeFailure === 'burn' ? 1 : deps.config.txCodeMaxAttempts;
}

import { diagnose, fail } from '../../../core/diagnostics.js';
import { hashSecret, redactSecret } from '../../../core/ids.js';
import { timingSafeEqualText } from '../../../crypto/constant-time.js';
import type { PreAuthorizedGrantRecord, SessionRecord } from '../../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../../deps.js';
import { parseAuthorizationDetails } from '../authorization-details.js';
import type { VerifiedDpop } from '../dpop.js';
import type { VerifiedClientAttestation } from '../client-attestation.js';
import { createTokenResponse, verifyDpopRequirement } from './grant-common.js';
import { strictModeOf, type StrictMode } from '../../drafts/wire-draft.js';
import { injectTxCodeFault } from '../../faults/inject.js';
import { txCodeMaxAttempts } from '../../faults/offer-faults.js';

export interface PreAuthorizedGrantRead {
  grant: PreAuthorizedGrantRecord | null;
  session: SessionRecord | null;
}

/** The grant of a pre-authorized code and its session, as they are now (read-only). */
export async function readPreAuthorizedGrant(deps: Pick<IssuerDeps, 'store'>, code: string): Promise<PreAuthorizedGrantRead> {
  const grant = await deps.store.grants.peekPreAuthorized(hashSecret(code));
  return { grant, session: grant ? await deps.store.sessions.get(grant.sessionId) : null };
}

/**
 * Pre-authorized code grant, OID4VCI 1.0 §6.1. The code is redeemed by one conditional update
 * that also checks the tx_code hash, so N concurrent redemptions yield exactly one token.
 */
export async function handlePreAuthorizedCodeGrant(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret'>,
  urls: IssuerUrls,
  form: Record<string, string>,
  rec: Recorder,
  dpop: VerifiedDpop | null = null,
  /** A verified wallet attestation: the token is then not anonymous; its client_id is the attestation sub. */
  client: VerifiedClientAttestation | null = null,
  /** The code's grant and session when the token endpoint has read them already (readPreAuthorizedGrant). */
  preloaded?: () => Promise<PreAuthorizedGrantRead>,
): Promise<ProtocolResponse> {
  const code = form['pre-authorized_code'];
  if (!code) fail('token.pre_authorized_code.missing', 'The form has no pre-authorized_code', { path: 'body.pre-authorized_code', found: Object.keys(form) });
  const codeHash = hashSecret(code);
  const { grant, session } = await (preloaded ?? (() => readPreAuthorizedGrant(deps, code)))();
  if (!grant) fail('token.pre_authorized_code.unknown', `Pre-authorized code ${redactSecret(deps.serverSecret, code)} is not known here`, { path: 'body.pre-authorized_code' });
  rec.bindSession(grant.sessionId);
  if (!session) throw new Error(`Session ${grant.sessionId} of a live pre-authorized code is missing`);

  const txCode = readTxCode(form, rec, strictModeOf(deps, session));
  if (grant.txCodeHash === null && txCode !== undefined) {
    fail('token.tx_code.unexpected', 'A tx_code was sent, but the offer did not ask for one', { path: 'body.tx_code' });
  }
  if (grant.txCodeHash !== null) {
    if (txCode === undefined) fail('token.tx_code.missing', 'The offer carried a tx_code object, but the request has no tx_code', { path: 'body.tx_code' });
    // tx_code_failure of the offer (fault injection): reject_first, or burn at the first wrong code.
    await injectTxCodeFault(deps, session, rec);
    if (!timingSafeEqualText(hashSecret(txCode), grant.txCodeHash)) {
      const counted = await deps.store.grants.recordTxCodeFailure(codeHash, txCodeMaxAttempts(deps, session));
      if (counted?.burnt) {
        rec.event('session_failed', { reason: 'tx_code attempts exhausted', attempts: counted.attempts });
        fail('token.pre_authorized_code.burnt', `Wrong tx_code; ${counted.attempts} failed attempts burnt the pre-authorized code`, { path: 'body.tx_code' });
      }
      if (counted) {
        fail('token.tx_code.mismatch', 'The tx_code does not match', {
          path: 'body.tx_code',
          found: { attempts: counted.attempts, attempts_left: txCodeMaxAttempts(deps, session) - counted.attempts },
        });
      }
      // Already consumed or burnt: explained below like any failed redemption.
    }
  }

  // Before redemption: a request refused for want of DPoP must not burn the code.
  verifyDpopRequirement(deps, session, dpop);

  const now = deps.clock.nowMs();
  const redeemed = await deps.store.grants.consumePreAuthorized(codeHash, grant.txCodeHash === null ? null : hashSecret(txCode!), now);
  if (!redeemed) {
    const current = (await deps.store.grants.peekPreAuthorized(codeHash)) ?? grant;
    if (current.burnt) fail('token.pre_authorized_code.burnt', 'The pre-authorized code was burnt after too many wrong tx_code attempts');
    if (current.consumedAt !== null) {
      fail('token.pre_authorized_code.reused', `The pre-authorized code was already redeemed at ${new Date(current.consumedAt).toISOString()}`);
    }
    if (current.expiresAt <= now) fail('token.pre_authorized_code.expired', `The pre-authorized code expired at ${new Date(current.expiresAt).toISOString()}`);
    fail('token.tx_code.mismatch', 'The tx_code does not match', { path: 'body.tx_code' });
  }

  const requested = form.authorization_details
    ? parseAuthorizationDetails(form.authorization_details, session.credentialConfigurationIds, 'body.authorization_details')
    : undefined;
  const granted = requested ?? session.credentialConfigurationIds;
  const { response } = await createTokenResponse(
    deps,
    {
      session,
      grantType: 'pre-authorized_code',
      clientId: client?.clientId ?? form.client_id ?? null,
      anonymous: client === null,
      dpop,
      credentialConfigurationIds: granted,
      // §6.2: authorization_details is returned when the wallet used it; otherwise the wallet
      // names credentials by credential_configuration_id (§8.2).
      detailsRequested: requested !== undefined,
      scope: null,
    },
    rec,
  );
  rec.event('token_exchanged', {
    grant_type: 'pre-authorized_code',
    credential_configuration_ids: granted,
    tx_code_checked: grant.txCodeHash !== null,
    token_type: dpop ? 'DPoP' : 'Bearer',
  });
  return response;
}

/** tx_code, or the user_pin of drafts 11/12 (read as tx_code, with a warning; refused in strict mode). */
function readTxCode(form: Record<string, string>, rec: Recorder, strict: StrictMode): string | undefined {
  if (form.tx_code !== undefined) return form.tx_code;
  if (form.user_pin !== undefined) {
    if (strict.on) fail('token.tx_code.legacy_user_pin_refused', `user_pin (drafts 11-12) was sent instead of tx_code (refused: ${strict.source})`, { path: 'body.user_pin' });
    rec.diagnostic(diagnose('token.tx_code.legacy_user_pin', 'user_pin was sent instead of tx_code', { path: 'body.user_pin' }));
    return form.user_pin;
  }
  return undefined;
}

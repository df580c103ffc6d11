import { timeOrderedToken } from '../../core/ids.js';
import { createDpopNonce } from '../oauth/dpop-nonce.js';
import type { IssuerDeps, ProtocolResponse, Recorder } from '../deps.js';

/**
 * Nonce endpoint, OID4VCI 1.0 §7. Policy: every c_nonce is single-use AND expires after
 * NONCE_TTL_SECONDS. The credential endpoint consumes it with one conditional update, so two
 * requests with one nonce get one credential. The request has no session yet; its log entries
 * join the session that later uses the nonce.
 */
export async function handleNonceRequest(deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>, rec: Recorder): Promise<ProtocolResponse> {
  const nonce = timeOrderedToken(24);
  const now = deps.clock.nowMs();
  const expiresAt = now + deps.config.ttl.nonceSeconds * 1000;
  rec.create({ kind: 'nonce', nonce, expiresAt, createdAt: now, requestId: rec.requestId });
  rec.log('info', 'c_nonce issued', { c_nonce: nonce, expires_at: new Date(expiresAt).toISOString(), single_use: true });
  // §7.2: with DPoP nonces required, hand out the one the credential endpoint will ask for.
  const dpopNonce: Record<string, string> = deps.config.oauth.dpopNonceRequired ? { 'dpop-nonce': createDpopNonce(deps) } : {};
  return { status: 200, headers: { 'cache-control': 'no-store', ...dpopNonce }, body: { c_nonce: nonce } };
}

import { createHmac } from 'node:crypto';
import { timingSafeEqualText } from '../../crypto/constant-time.js';
import type { IssuerDeps } from '../deps.js';

/**
 * DPoP server nonces (RFC 9449 §8, §9) are stateless: `<issued-at seconds, base36>.<HMAC>`,
 * keyed with the server secret every instance shares (runtime.ts). Any instance verifies any
 * other's nonce without a database round trip, and nothing needs cleaning up. A nonce is valid
 * for DPOP_NONCE_TTL_SECONDS; it is not single-use (the jti cache stops replays). One nonce
 * space serves the authorization server and the credential endpoints: they are one server.
 */

type NonceDeps = Pick<IssuerDeps, 'clock' | 'config' | 'serverSecret'>;

function mac(secret: string, issuedAt: string): string {
  return createHmac('sha256', secret).update(`dpop-nonce.${issuedAt}`).digest('base64url').slice(0, 22);
}

export function createDpopNonce(deps: NonceDeps): string {
  const issuedAt = Math.floor(deps.clock.nowMs() / 1000).toString(36);
  return `${issuedAt}.${mac(deps.serverSecret, issuedAt)}`;
}

export type DpopNonceCheck = 'valid' | 'forged' | 'expired';

export function checkDpopNonce(deps: NonceDeps, nonce: string): DpopNonceCheck {
  const match = /^([0-9a-z]{1,10})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
  if (!match || !timingSafeEqualText(mac(deps.serverSecret, match[1]), match[2])) return 'forged';
  const age = Math.floor(deps.clock.nowMs() / 1000) - parseInt(match[1], 36);
  // A nonce from slightly in the future comes from an instance whose clock runs ahead.
  return age <= deps.config.oauth.dpopNonceTtlSeconds && age >= -deps.config.proof.iatSkewSeconds ? 'valid' : 'expired';
}

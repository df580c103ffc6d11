/**
 * `c_nonce` outside the nonce endpoint. Drafts ≤ 14 had no nonce endpoint: the wallet read
 * `c_nonce` / `c_nonce_expires_in` from the token response (1.0 §6.2 dropped them, §7 replaced
 * them) and from each credential response. There is no way to tell a draft 14 wallet at the
 * token endpoint, so lenient mode adds a real, single-use c_nonce to every token response
 * (1.0 wallets ignore unknown members, §6.2); a proof that carries it is recognised at the
 * credential endpoint by its prefix and logged as the draft shape it is. Strict mode omits it.
 */
import { diagnose } from '../../core/diagnostics.js';
import { timeOrderedToken } from '../../core/ids.js';
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import { strictModeOf } from './wire-draft.js';

/** Never in a nonce-endpoint nonce (base64url has no "."), so recognition is exact. */
export const LEGACY_NONCE_PREFIX = 'd14.';

type NonceDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config'>;

export async function createLegacyCNonce(deps: NonceDeps, rec: Recorder): Promise<{ c_nonce: string; c_nonce_expires_in: number }> {
  const nonce = `${LEGACY_NONCE_PREFIX}${timeOrderedToken(24)}`;
  const now = deps.clock.nowMs();
  rec.create({ kind: 'nonce', nonce, expiresAt: now + deps.config.ttl.nonceSeconds * 1000, createdAt: now, requestId: rec.requestId });
  return { c_nonce: nonce, c_nonce_expires_in: deps.config.ttl.nonceSeconds };
}

/** Members for the token response: a c_nonce for draft ≤ 14 wallets, nothing in strict mode. */
export async function createTokenResponseNonce(deps: NonceDeps, session: SessionRecord, rec: Recorder): Promise<{ c_nonce?: string; c_nonce_expires_in?: number }> {
  if (strictModeOf(deps, session).on) return {};
  const nonce = await createLegacyCNonce(deps, rec);
  rec.log('info', 'c_nonce added to the token response for wallets of drafts up to 14 (1.0 wallets use the nonce endpoint and ignore it; strict mode omits it)', {
    c_nonce: nonce.c_nonce,
    c_nonce_expires_in: nonce.c_nonce_expires_in,
    single_use: true,
  });
  return nonce;
}

/** After the proofs verified: a proof nonce from a token or draft credential response is the draft ≤ 14 behaviour. */
export function noteLegacyNonce(nonce: string | undefined, rec: Recorder): boolean {
  if (!nonce?.startsWith(LEGACY_NONCE_PREFIX)) return false;
  rec.diagnostic(
    diagnose('draft.token.c_nonce', 'The proof carries a c_nonce from a token (or draft 14 credential) response, as wallets of drafts up to 14 do; served', {
      path: 'body.proofs.jwt[0].payload.nonce',
    }),
  );
  return true;
}

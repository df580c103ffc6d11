import { CompactSign } from 'jose';
import { nowSeconds } from '../../core/clock.js';
import type { IssuerDeps } from '../deps.js';

/**
 * Signed Credential Issuer Metadata, OID4VCI 1.0 §12.2.3: the metadata parameters as claims
 * of a JWS with typ openidvci-issuer-metadata+jwt, `sub` = the issuer identifier, keyed by the
 * x5c chain (HAIP §4.1: no trust anchor in the chain, signer certificate not self-signed).
 */
export async function createSignedIssuerMetadata(
  deps: Pick<IssuerDeps, 'keys' | 'clock'>,
  metadata: Record<string, unknown>,
  lifetimeSeconds = 86_400,
): Promise<string> {
  const iat = nowSeconds(deps.clock);
  const claims = { ...metadata, sub: metadata.credential_issuer, iss: metadata.credential_issuer, iat, exp: iat + lifetimeSeconds };
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: deps.keys.signer.alg, typ: 'openidvci-issuer-metadata+jwt', x5c: deps.keys.signer.x5c })
    .sign(deps.keys.signer.privateKey);
}

/** §12.2.2: application/json is the default; application/jwt only when the wallet prefers it. */
export function prefersSignedMetadata(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranked = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((r) => r.q > 0);
  const jwt = ranked.find((r) => r.type === 'application/jwt');
  const json = ranked.find((r) => r.type === 'application/json' || r.type === '*/*' || r.type === 'application/*');
  return Boolean(jwt && (!json || jwt.q > json.q || (jwt.q === json.q && ranked.indexOf(jwt) < ranked.indexOf(json))));
}

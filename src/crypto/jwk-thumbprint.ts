import { createHash, hash } from 'node:crypto';
import type { JWK } from 'jose';

/** RFC 7638 thumbprint (SHA-256, base64url), computed synchronously: required members only, sorted. */
export function jwkThumbprintSync(jwk: JWK): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const text = JSON.stringify(members);
  // One-shot hashing where Node has it (20.12+): no Hash object per thumbprint on the hot path.
  return typeof hash === 'function' ? hash('sha256', text, 'base64url') : createHash('sha256').update(text).digest('base64url');
}

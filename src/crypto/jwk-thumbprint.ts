import { createHash } from 'node:crypto';
import type { JWK } from 'jose';

/** RFC 7638 thumbprint (SHA-256, base64url), computed synchronously: required members only, sorted. */
export function jwkThumbprintSync(jwk: JWK): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

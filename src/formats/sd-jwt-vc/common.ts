import type { JWK } from 'jose';
import type { IssuerSigner } from '../../crypto/issuer-keys.types.js';
import type { HolderKey } from '../types.js';

/**
 * Helpers shared by the two JOSE formats (dc+sd-jwt and jwt_vc_json): holder-key binding and
 * the validity window. They live here because the sd-jwt-vc folder came first; nothing in them
 * is SD-JWT specific.
 */

/** Public members per key type (RFC 7518 §6, RFC 8037 §2). Everything else (d, kid, alg, use, ...) is dropped. */
const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  OKP: ['kty', 'crv', 'x'],
  RSA: ['kty', 'n', 'e'],
};

/**
 * The holder key as it goes into `cnf.jwk`: only the members that define the public key, in a
 * fixed order. Throws on an unsupported key type or a missing member, so a broken proof key
 * never ends up in a signed credential.
 */
export function publicHolderJwk(jwk: JWK): JWK {
  const kty = jwk.kty;
  const members = kty === undefined ? undefined : PUBLIC_MEMBERS[kty];
  if (!members) throw new TypeError(`holder key: unsupported kty ${JSON.stringify(kty)}`);
  const out: Record<string, string> = {};
  for (const name of members) {
    const value = (jwk as Record<string, unknown>)[name];
    if (typeof value !== 'string' || value.length === 0) {
      throw new TypeError(`holder key: ${kty} JWK lacks "${name}"`);
    }
    out[name] = value;
  }
  return out as JWK;
}

/** The DID of a DID URL (`did:key:z...#z...` -> `did:key:z...`): everything before path, query or fragment. */
export function didOf(didUrl: string): string {
  const did = /^did:[a-z0-9]+:[^/?#]+/.exec(didUrl)?.[0];
  if (!did) throw new TypeError(`holder key: not a DID URL: ${didUrl}`);
  return did;
}

export interface ValidityWindow {
  /** NumericDate (seconds) of issuance; also used as nbf. */
  iat: number;
  /** NumericDate (seconds) of expiry: validUntil, cut back to the document-signer certificate's notAfter. */
  exp: number;
  issuedAt: Date;
  expiresAt: Date;
}

/**
 * iat/exp of a credential. A credential must not outlive the certificate that signs it
 * (HAIP §6.1.1 / the x5c chain), so `validUntil` is cut back to `certificateNotAfter`.
 */
export function validityWindow(issuedAt: Date, validUntil: Date, signer: IssuerSigner): ValidityWindow {
  const iat = Math.floor(issuedAt.getTime() / 1000);
  const untilMs = Math.min(validUntil.getTime(), signer.certificateNotAfter.getTime());
  const exp = Math.floor(untilMs / 1000);
  if (!Number.isFinite(iat) || !Number.isFinite(exp)) throw new RangeError('validity: invalid date');
  if (exp <= iat) {
    throw new RangeError(
      validUntil.getTime() > signer.certificateNotAfter.getTime()
        ? `validity: the document-signer certificate expires (${signer.certificateNotAfter.toISOString()}) before the credential could be valid`
        : `validity: validUntil (${validUntil.toISOString()}) is not after issuedAt (${issuedAt.toISOString()})`,
    );
  }
  return { iat, exp, issuedAt: new Date(iat * 1000), expiresAt: new Date(exp * 1000) };
}

/**
 * A deep copy of the claims restricted to JSON: `undefined` members dropped, Dates as strings,
 * and so on, exactly as JSON.stringify would put them on the wire. Claim values then have the
 * same type in the disclosure frame, the disclosures and the payload.
 */
export function jsonClaims(claims: Record<string, unknown>): Record<string, unknown> {
  const copy: unknown = JSON.parse(JSON.stringify(claims));
  if (copy === null || typeof copy !== 'object' || Array.isArray(copy)) {
    throw new TypeError('claims must be a JSON object');
  }
  return copy as Record<string, unknown>;
}

import { createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** JWK members that carry private key material (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * The public EC JWK of a key (private or public KeyObject): only kty, crv, x, y.
 * Never carries `d`, whatever the input.
 */
export function publicEcJwk(key: KeyObject): { kty: 'EC'; crv: string; x: string; y: string } {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  if (pub.asymmetricKeyType !== 'ec') {
    throw new Error(`Expected an EC key, got ${pub.asymmetricKeyType ?? pub.type}`);
  }
  const jwk = pub.export({ format: 'jwk' }) as JWK;
  if (jwk.kty !== 'EC' || !jwk.crv || !jwk.x || !jwk.y) {
    throw new Error('EC key did not export as a JWK with crv, x and y');
  }
  return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url). Only the required members take part. */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

/** A copy of the JWK without private members. */
export function stripPrivateMembers<T extends JWK>(jwk: T): T {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of PRIVATE_MEMBERS) delete copy[member];
  return copy as T;
}

/** True when the JWK carries any private member. */
export function hasPrivateMembers(jwk: JWK): boolean {
  return PRIVATE_MEMBERS.some((m) => (jwk as Record<string, unknown>)[m] !== undefined);
}

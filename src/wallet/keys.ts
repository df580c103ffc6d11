/**
 * The reference wallet's keys: P-256, generated per run, private JWK stored under
 * `<store>/keys/` with mode 0600 so a later look at a credential can be tied to its key.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { base58btcEncode } from '../crypto/did-resolver.js';

export interface WalletKey {
  /** RFC 7638 thumbprint: the key's name in the store. */
  id: string;
  purpose: 'binding' | 'dpop';
  privateKey: KeyObject;
  publicJwk: JWK;
  file: string;
}

export function jwkThumbprint(jwk: JWK): string {
  return createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).digest('base64url');
}

export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

export function writePrivateFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync keeps the mode of an existing file
}

export function createWalletKey(storeDir: string, purpose: WalletKey['purpose']): WalletKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const full = publicKey.export({ format: 'jwk' }) as JWK;
  const publicJwk: JWK = { kty: full.kty, crv: full.crv, x: full.x, y: full.y };
  const id = jwkThumbprint(publicJwk);
  const dir = join(storeDir, 'keys');
  ensurePrivateDir(dir);
  const file = join(dir, `${purpose}-${id}.jwk.json`);
  writePrivateFile(file, `${JSON.stringify({ ...(privateKey.export({ format: 'jwk' }) as JWK), kid: id, alg: 'ES256', use: 'sig' }, null, 2)}\n`);
  return { id, purpose, privateKey, publicJwk, file };
}

export function loadPrivateKey(jwk: JWK): KeyObject {
  return createPrivateKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
}

/** ES256 JWS over `header.payload`, raw r||s as JWS wants (RFC 7518 §3.4). */
export function signEs256(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
}

/** did:key (p256-pub 0x1200, compressed point) and did:jwk of a P-256 key, with their key ids. */
export function didsOf(jwk: JWK): { didKey: string; didKeyUrl: string; didJwk: string; didJwkUrl: string } {
  const x = Buffer.from(jwk.x!, 'base64url');
  const y = Buffer.from(jwk.y!, 'base64url');
  const value = `z${base58btcEncode(Buffer.concat([Buffer.from([0x80, 0x24, 0x02 | (y[31] & 1)]), x]))}`;
  const didJwk = `did:jwk:${Buffer.from(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).toString('base64url')}`;
  return { didKey: `did:key:${value}`, didKeyUrl: `did:key:${value}#${value}`, didJwk, didJwkUrl: `${didJwk}#0` };
}

/**
 * Values the server must read back later but never store in clear (a test plan case's
 * transaction code): a compact JWE (dir, A256GCM) under a key derived from the server secret
 * that every instance of one deployment shares, one key per purpose.
 */
import { hkdfSync } from 'node:crypto';
import { CompactEncrypt, compactDecrypt } from 'jose';

const keyFor = (serverSecret: string, purpose: string) => new Uint8Array(hkdfSync('sha256', serverSecret, new Uint8Array(0), `issuance-lab sealed value: ${purpose}`, 32));

export async function sealValue(serverSecret: string, purpose: string, value: string): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(value)).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(keyFor(serverSecret, purpose));
}

export async function unsealValue(serverSecret: string, purpose: string, sealed: string): Promise<string> {
  const { plaintext } = await compactDecrypt(sealed, keyFor(serverSecret, purpose));
  return new TextDecoder().decode(plaintext);
}

/**
 * The issuer's key for encrypted credential requests (OID4VCI 1.0 §10, §12.2.4
 * `credential_request_encryption.jwks`): an ECDH-ES P-256 key generated on first start and kept
 * as `${dataDir}/keys/credential-request-encryption.key.pem` (PKCS#8, 0600, written atomically),
 * like the signing keys (issuer-keys.ts). On a shared database every instance must decrypt what
 * any of them advertised, so the key is mirrored in the shared state (compare-and-set: the first
 * instance's key wins, the others adopt it).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './key-files.js';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { jwkThumbprintSync } from './jwk-thumbprint.js';
import { exportPrivateKeyPem, parsePrivateKeyPem } from './key-encryption.js';
import type { SharedStateAccess } from './shared-issuer-keys.js';

export const ENCRYPTION_KEY_FILE = 'credential-request-encryption.key.pem';
export const SHARED_ENCRYPTION_KEY_NAME = 'credential_request_encryption_key';
/** The only key-agreement alg of our key: the JWE alg must equal the JWK alg (§10). */
export const REQUEST_ENCRYPTION_ALG = 'ECDH-ES';

export interface EncryptionKey {
  privateKey: KeyObject;
  /** Published in credential_request_encryption.jwks: public members, kid, use, alg. */
  publicJwk: JWK & { kid: string; alg: string; use: 'enc' };
}

export interface LoadedEncryptionKey {
  key: EncryptionKey;
  generated: boolean;
  sharing?: 'adopted' | 'published';
}

export async function loadOrCreateEncryptionKey(dataDir: string, shared?: SharedStateAccess, now = Date.now(), passphrase?: string): Promise<LoadedEncryptionKey> {
  const fromPem = (pem: string, label: string) => keyFromPem(pem, label, passphrase);
  const dir = join(dataDir, 'keys');
  const file = join(dir, ENCRYPTION_KEY_FILE);
  await ensurePrivateDir(dir);
  if (shared) {
    const current = await shared.get(SHARED_ENCRYPTION_KEY_NAME);
    if (current) {
      await writeFileAtomic(file, current.value);
      return { key: fromPem(current.value, 'the shared database'), generated: false, sharing: 'adopted' };
    }
  }
  let pem = await readIfExists(file);
  let generated = false;
  if (pem === undefined) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    // Encrypted at rest with KEY_ENCRYPTION_SECRET, like the signing keys (key-encryption.ts).
    pem = exportPrivateKeyPem(privateKey, passphrase);
    await writeFileAtomic(file, pem);
    generated = true;
  }
  if (shared) {
    if (!(await shared.put(SHARED_ENCRYPTION_KEY_NAME, pem, null, now))) {
      // Another instance published first: use its key.
      const winner = (await shared.get(SHARED_ENCRYPTION_KEY_NAME))!;
      await writeFileAtomic(file, winner.value);
      return { key: fromPem(winner.value, 'the shared database'), generated, sharing: 'adopted' };
    }
    return { key: fromPem(pem, file), generated, sharing: 'published' };
  }
  return { key: fromPem(pem, file), generated };
}

function keyFromPem(pem: string, label: string, passphrase?: string): EncryptionKey {
  const privateKey = parsePrivateKeyPem(pem, `${label} (credential request encryption key)`, passphrase);
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256') throw new Error(`The request encryption key in ${label} is not a P-256 EC key`);
  const pub = { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
  return { privateKey, publicJwk: { ...pub, kid: jwkThumbprintSync(pub), use: 'enc', alg: REQUEST_ENCRYPTION_ALG } };
}



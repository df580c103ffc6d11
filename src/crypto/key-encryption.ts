/**
 * Private keys at rest: with KEY_ENCRYPTION_SECRET set, generated key files are
 * written as encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY": PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC
 * — what OpenSSL writes, so `openssl pkey -in file` still reads them with the secret). Without it
 * they stay plain PEM, mode 0600. A copy of DATA_DIR (a backup, a volume snapshot, the database
 * mirror of shared keys) is then useless without the secret, which lives in the environment.
 * This module only converts; where files live is issuer-keys.ts's business.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

const CIPHER = 'aes-256-cbc';

/** PKCS#8 PEM, encrypted when a passphrase is given. */
export function exportPrivateKeyPem(key: KeyObject, passphrase?: string): string {
  return (passphrase ? key.export({ type: 'pkcs8', format: 'pem', cipher: CIPHER, passphrase }) : key.export({ type: 'pkcs8', format: 'pem' })) as string;
}

/** PKCS#8 "ENCRYPTED PRIVATE KEY", or a legacy OpenSSL PEM with `Proc-Type: 4,ENCRYPTED`. */
export function isEncryptedPem(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/** Reads a private key PEM, plain or encrypted, with an error that says what to do. */
export function parsePrivateKeyPem(pem: string, label: string, passphrase?: string): KeyObject {
  const encrypted = isEncryptedPem(pem);
  if (encrypted && !passphrase) {
    throw new Error(`Private key ${label} is encrypted: set KEY_ENCRYPTION_SECRET to the secret it was written with.`);
  }
  try {
    return createPrivateKey(encrypted ? { key: pem, format: 'pem', passphrase } : { key: pem, format: 'pem' });
  } catch (e) {
    if (encrypted) throw new Error(`KEY_ENCRYPTION_SECRET does not decrypt private key ${label} (a different secret?).`);
    throw new Error(
      `Cannot read private key ${label}: ${(e as Error).message}. Expected a PEM private key (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY", or either encrypted with KEY_ENCRYPTION_SECRET).`,
    );
  }
}

/**
 * The issuer's signing key files (issuer-keys.ts): current (`x.key.pem`) and archived
 * (`x.key.<stamp>.pem`). Only these: other modules' keys in the same directory are read by their
 * own code, which must opt in to encryption itself.
 */
export const isKeyFileName = (name: string): boolean => /^(iaca-root|document-signer)\.key(\.[^/]+)?\.pem$/.test(name) && !name.includes('.tmp');

/**
 * KEY_ENCRYPTION_SECRET set on a directory written without it: every plain key file is
 * rewritten encrypted (through `write`, which must be atomic and 0600). Returns the names.
 */
export async function encryptPlainKeyFiles(
  keyDir: string,
  passphrase: string,
  write: (path: string, content: string) => Promise<void>,
): Promise<string[]> {
  const done: string[] = [];
  for (const name of (await readdir(keyDir)).filter(isKeyFileName).sort()) {
    const path = join(keyDir, name);
    const pem = await readFile(path, 'utf8');
    if (isEncryptedPem(pem)) continue;
    await write(path, exportPrivateKeyPem(parsePrivateKeyPem(pem, path), passphrase));
    done.push(name);
  }
  return done;
}

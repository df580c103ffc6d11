import { join } from 'node:path';
import { ensurePrivateDir, writePrivateFile } from './keys.js';

export interface StoredCredential {
  credential_issuer: string;
  credential_configuration_id: string;
  format: string;
  credential: unknown;
  key_id: string;
  received_at: string;
  notification_id?: string;
}

/** `<store>/credentials/<n>-<configuration>.json`, mode 0600: what the wallet received, as received. */
export function storeCredential(storeDir: string, entry: StoredCredential, index: number): string {
  const dir = join(storeDir, 'credentials');
  ensurePrivateDir(dir);
  const stamp = entry.received_at.replace(/[:.]/g, '-');
  const file = join(dir, `${stamp}-${index}-${entry.credential_configuration_id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  writePrivateFile(file, `${JSON.stringify(entry, null, 2)}\n`);
  return file;
}

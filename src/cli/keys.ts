/**
 * npm run keys -- rotate [--data-dir ./data]
 *
 * Replaces the document-signer key and certificate under DATA_DIR/keys (same root). The old
 * certificate is archived and stays in the published JWKS until it expires, so credentials it
 * signed remain verifiable. With DATABASE_URL the rotated set is published in the database the
 * instances share. Running issuers pick up the new signer within KEY_RELOAD_INTERVAL_SECONDS
 * (crypto/issuer-key-watch.ts), without a restart.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { loadOrCreateIssuerKeys } from '../crypto/issuer-keys.js';
import { loadSharedIssuerKeys } from '../crypto/shared-issuer-keys.js';
import { openStore } from '../store/open-store.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'data-dir': { type: 'string' } } });
if (positionals[0] !== 'rotate') {
  console.error('usage: npm run keys -- rotate [--data-dir DIR]');
  process.exit(2);
}
const config = loadConfig({ ...process.env, ...(values['data-dir'] ? { DATA_DIR: values['data-dir'] } : {}) });
if (config.issuerKeyPemPath) {
  console.error('ISSUER_KEY_PEM is set: operator-supplied keys are rotated by replacing those files.');
  process.exit(2);
}
const keyOptions = {
  dataDir: config.dataDir,
  issuerName: config.publicUrl.hostname,
  issuerCountry: config.issuerCountry,
  rotate: true,
  keyPassphrase: config.hardening.keyEncryptionSecret,
};
// On PostgreSQL the instances share their generated keys through the database: the rotation is
// published there (compare-and-set), and every running instance adopts it.
const store = config.databaseUrl ? await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }) : null;
const keys = store ? await loadSharedIssuerKeys(store.sharedState, keyOptions, Date.now()) : await loadOrCreateIssuerKeys(keyOptions);
await store?.close();
console.log(`New document signer ${keys.signer.kid}, valid until ${keys.signer.certificateNotAfter.toISOString()}`);
console.log(`Published keys: ${keys.jwks.keys.map((k) => k.kid).join(', ')}`);

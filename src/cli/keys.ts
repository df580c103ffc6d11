/**
 * npm run keys -- rotate [--data-dir ./data]
 *
 * Replaces the document-signer key and certificate under DATA_DIR/keys (same root). The old
 * certificate is archived and stays in the published JWKS until it expires, so credentials it
 * signed remain verifiable. Running issuers pick up the new key on their next start.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/config.js';
import { loadOrCreateIssuerKeys } from '../crypto/issuer-keys.js';

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
const keys = await loadOrCreateIssuerKeys({
  dataDir: config.dataDir,
  issuerName: config.publicUrl.hostname,
  issuerCountry: config.issuerCountry,
  rotate: true,
  keyPassphrase: config.hardening.keyEncryptionSecret,
});
console.log(`New document signer ${keys.signer.kid}, valid until ${keys.signer.certificateNotAfter.toISOString()}`);
console.log(`Published keys: ${keys.jwks.keys.map((k) => k.kid).join(', ')}`);

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import type { Clock } from './core/clock.js';
import { defaultConfigurationsPath, loadCredentialConfigurations } from './credential-configurations/load.js';
import { loadOrCreateIssuerKeys } from './crypto/issuer-keys.js';
import type { AppDeps } from './app.js';
import { urlsFor } from './http/urls.js';
import { openStore } from './store/open-store.js';

/** Builds everything the app needs from the config; shared by the server, tests and benchmarks. */
export async function loadRuntime(config: Readonly<Config>, clock: Clock, say: (line: string) => void = () => {}) {
  const configurations = loadCredentialConfigurations(config.credentialConfigurationsPath ?? defaultConfigurationsPath);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const keys = await loadOrCreateIssuerKeys({
    dataDir: config.dataDir,
    issuerName: config.publicUrl.hostname,
    issuerCountry: config.issuerCountry,
    keyPemPath: config.issuerKeyPemPath,
    chainPemPath: config.issuerChainPemPath,
  });
  if (keys.generated) say(`Generated issuer key and certificates in ${keys.keyDir}`);
  if (keys.rotated) say('Document-signer certificate renewed');
  for (const w of keys.warnings) say(`warning: ${w}`);
  const adminToken = config.adminToken ?? loadOrCreateAdminToken(config.dataDir, say);
  const issuer = urlsFor(config).issuer;
  if (!issuer.startsWith('https://')) {
    say(`warning: PUBLIC_URL ${issuer} is not https; wallets on phones refuse plain http issuers (OID4VCI 1.0 §12.2.1)`);
  }
  say(`Database: ${store.dialect}${store.dialect === 'sqlite' ? ` in ${config.dataDir}` : ''}`);
  const deps: AppDeps = { config, clock, store, configurations, keys, adminToken };
  return { deps, issuer };
}

/** ADMIN_TOKEN unset: one is generated on first start, kept (0600) and printed once. */
function loadOrCreateAdminToken(dataDir: string, say: (line: string) => void): string {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    say(`Admin token: read from ${file}`);
    return readFileSync(file, 'utf8').trim();
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(`${file}.tmp`, `${token}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  say(`Admin token (generated, stored in ${file}): ${token}`);
  return token;
}

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/config.js';
import type { Clock } from './core/clock.js';
import { defaultConfigurationsPath, loadCredentialConfigurations } from './credential-configurations/load.js';
import { loadOrCreateIssuerKeys } from './crypto/issuer-keys.js';
import { loadSharedIssuerKeys } from './crypto/shared-issuer-keys.js';
import { watchIssuerKeys, type KeyWatch, type KeyWatchOptions } from './crypto/issuer-key-watch.js';
import { urlsFor } from './http/urls.js';
import { openStore } from './store/open-store.js';
import { loadTrustList, type TrustList } from './crypto/attestation-trust.js';
import { loadOrCreateEncryptionKey } from './crypto/encryption-key.js';
import type { Store } from './store/store.js';
import { X509Certificate } from 'node:crypto';
import { pemCertificatesToDer } from './crypto/certificates.js';
import { loadOrCreateVerifierKeys } from './crypto/verifier-keys.js';
import { defaultPresetsPath, loadPresentationPresets } from './protocol/oid4vp/presets.js';
import type { VerifierDeps } from './protocol/deps.js';
import type { AppDeps } from './http/app-deps.js';
import { selfCheckAfterReply } from './self-check/record-self-check.js';
import { defaultTestPlansDir, loadTestPlans } from './test-plans/plan.js';


/** Builds everything the app needs from the config; shared by the server, tests and benchmarks. */
export async function loadRuntime(
  config: Readonly<Config>,
  clock: Clock,
  say: (line: string) => void = () => {},
  options: { onBackgroundError?: (err: Error, where: string) => void } = {},
) {
  const configurations = loadCredentialConfigurations(config.credentialConfigurationsPath ?? defaultConfigurationsPath);
  // A bad plan file fails the boot, like a bad credential configuration.
  const testPlans = loadTestPlans([defaultTestPlansDir, ...(config.testPlansDir ? [config.testPlansDir] : [])], new Set(configurations.byId.keys()));
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.databasePoolMax,
    onBackgroundError: options.onBackgroundError,
  });
  const keyOptions = {
    dataDir: config.dataDir,
    issuerName: config.publicUrl.hostname,
    issuerCountry: config.issuerCountry,
    keyPemPath: config.issuerKeyPemPath,
    chainPemPath: config.issuerChainPemPath,
    keyPassphrase: config.hardening.keyEncryptionSecret,
  };
  // On a shared database, generated keys are shared by every instance; operator
  // keys come from the same PEM files on each.
  const shareKeys = store.dialect === 'postgres' && !config.issuerKeyPemPath;
  const keys = shareKeys ? await loadSharedIssuerKeys(store.sharedState, keyOptions, clock.nowMs()) : await loadOrCreateIssuerKeys(keyOptions);
  if (shareKeys) say(`Issuer keys: shared through the database (${'sharing' in keys ? keys.sharing : ''})`);
  if (keys.generated) say(`Generated issuer key and certificates in ${keys.keyDir}`);
  if (keys.rotated) say('Document-signer certificate renewed');
  if (keys.encryptedFiles) say(`Encrypted ${keys.encryptedFiles.length} private key file(s) with KEY_ENCRYPTION_SECRET`);
  for (const w of keys.warnings) say(`warning: ${w}`);
  const admin: { token: string; origin: AdminTokenOrigin } = config.adminToken
    ? { token: config.adminToken, origin: { kind: 'environment' } }
    : store.dialect === 'postgres'
      ? await loadOrCreateSharedAdminToken(store, config.dataDir, clock, say)
      : loadOrCreateAdminToken(config.dataDir, say);
  const adminToken = admin.token;
  const issuer = urlsFor(config).issuer;
  if (!issuer.startsWith('https://')) {
    say(`warning: PUBLIC_URL ${issuer} is not https; wallets on phones refuse plain http issuers (OID4VCI 1.0 §12.2.1)`);
  }
  say(`Database: ${store.dialect}${store.dialect === 'sqlite' ? ` in ${config.dataDir}` : ''}`);
  // Kept in the database, not DATA_DIR: every instance on one database must verify the DPoP
  // nonces and consent forms another instance issued. First start creates it.
  const serverSecret = await store.secrets.getOrCreate('hmac-v1', randomBytes(32).toString('base64url'), clock.nowMs());
  // Attestation trust lists (a bad list fails the boot) and the request encryption key.
  const attestationTrust = {
    wallet: loadTrustList(config.attestation.walletTrust, 'WALLET_ATTESTATION_TRUST'),
    key: loadTrustList(config.attestation.keyTrust, config.attestation.keyTrust === config.attestation.walletTrust ? 'WALLET_ATTESTATION_TRUST' : 'KEY_ATTESTATION_TRUST'),
  };
  say(`Attestations: ${config.attestation.mode} mode; wallet attesters trusted: ${describeTrust(attestationTrust.wallet)}; key attesters: ${describeTrust(attestationTrust.key)}`);
  const encryption = await loadOrCreateEncryptionKey(config.dataDir, store.dialect === 'postgres' ? store.sharedState : undefined, clock.nowMs(), config.hardening.keyEncryptionSecret);
  if (encryption.generated) say(`Generated the credential request encryption key (kid ${encryption.key.publicJwk.kid})`);
  const verifier = await loadVerifier(config, store, keys.rootCertificatePem, clock, say);
  // A live key rotation updates `keys` in place, so the self-check always reads the current ones.
  const selfCheck = selfCheckAfterReply({ store, clock, keys });
  const deps: AppDeps = { config, clock, store, configurations, keys, adminToken, serverSecret, attestationTrust, encryptionKey: encryption.key, verifier, selfCheck, testPlans };
  // Live rotation (crypto/issuer-key-watch.ts): generated keys only; the server process starts it.
  const watchKeys = (hooks: Pick<KeyWatchOptions, 'onRotated' | 'onError'> = {}): KeyWatch | null =>
    config.issuerKeyPemPath || config.keyReloadIntervalSeconds === 0
      ? null
      : watchIssuerKeys({
          keys: deps.keys,
          keyOptions,
          ...(shareKeys && 'version' in keys ? { shared: { state: store.sharedState, version: Number(keys.version) } } : {}),
          intervalMs: config.keyReloadIntervalSeconds * 1000,
          ...hooks,
        });
  return { deps, issuer, adminTokenOrigin: admin.origin, watchKeys };
}

/** Where the admin token came from, for the start output (the token itself only when new). */
export type AdminTokenOrigin =
  | { kind: 'environment' }
  | { kind: 'generated'; token: string; file: string }
  | { kind: 'file'; file: string }
  | { kind: 'database'; generatedToken?: string };

/** The OpenID4VP verifier: presets (a bad file fails the boot), request-signing key, trusted issuers. */
async function loadVerifier(config: Readonly<Config>, store: Store, issuerRootPem: string, clock: Clock, say: (line: string) => void): Promise<VerifierDeps> {
  const presets = loadPresentationPresets(config.verifier.presetsPath ?? defaultPresetsPath);
  const keys = await loadOrCreateVerifierKeys({
    dataDir: config.dataDir,
    host: config.publicUrl.hostname,
    country: config.issuerCountry,
    keyPemPath: config.verifier.keyPemPath,
    chainPemPath: config.verifier.chainPemPath,
    passphrase: config.hardening.keyEncryptionSecret,
    shared: store.dialect === 'postgres' ? store.sharedState : undefined,
    now: new Date(clock.nowMs()),
  });
  if (keys.generated) say(`Generated the verifier request-signing certificate (x509_hash:${keys.x509Hash})`);
  const configured = loadTrustList(config.verifier.trust, 'VERIFIER_TRUST');
  // This issuer's own root is always trusted: what it issues verifies here out of the box.
  const ownRoots = pemCertificatesToDer(issuerRootPem).map((der) => new X509Certificate(der));
  const trust: TrustList = { source: configured.keys.length + configured.roots.length ? `this issuer's root and ${configured.source}` : "this issuer's root", keys: configured.keys, roots: [...ownRoots, ...configured.roots] };
  say(`Verifier: ${config.verifier.mode} mode; ${presets.length} presentation presets; trusted issuers: ${describeTrust(trust)}`);
  return { keys, presets, trust, fetch: globalThis.fetch };
}

/**
 * ADMIN_TOKEN unset on a shared database: every instance must accept the same token, so it is
 * kept in the database. The first instance generates it (or carries over the one its DATA_DIR
 * already had) and prints it once; the others read it.
 */
async function loadOrCreateSharedAdminToken(store: Store, dataDir: string, clock: Clock, say: (line: string) => void): Promise<{ token: string; origin: AdminTokenOrigin }> {
  const name = 'admin_token';
  const existing = await store.sharedState.get(name);
  if (existing) {
    say('Admin token: read from the database');
    return { token: existing.value, origin: { kind: 'database' } };
  }
  const file = join(dataDir, 'admin-token');
  const fromFile = existsSync(file);
  const candidate = fromFile ? readFileSync(file, 'utf8').trim() : randomBytes(24).toString('base64url');
  if (await store.sharedState.put(name, candidate, null, clock.nowMs())) {
    // The token itself goes only into the start output (main.ts), not into the JSON log lines.
    say(fromFile ? `Admin token: ${file} now shared through the database` : 'Admin token: generated, stored in the database');
    return { token: candidate, origin: fromFile ? { kind: 'database' } : { kind: 'database', generatedToken: candidate } };
  }
  say('Admin token: read from the database');
  return { token: (await store.sharedState.get(name))!.value, origin: { kind: 'database' } };
}

/** ADMIN_TOKEN unset: one is generated on first start, kept (0600) and printed once. */
function loadOrCreateAdminToken(dataDir: string, say: (line: string) => void): { token: string; origin: AdminTokenOrigin } {
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    say(`Admin token: read from ${file}`);
    return { token: readFileSync(file, 'utf8').trim(), origin: { kind: 'file', file } };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(`${file}.tmp`, `${token}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
  // The token itself goes only into the start output (main.ts), not into the JSON log lines.
  say(`Admin token: generated, stored in ${file}`);
  return { token, origin: { kind: 'generated', token, file } };
}

function describeTrust(t: TrustList): string {
  return t.keys.length + t.roots.length === 0 ? 'none (playground accepts any, strict refuses all)' : `${t.keys.length} key(s), ${t.roots.length} root(s) from ${t.source}`;
}

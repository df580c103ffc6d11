import { resolve } from 'node:path';
import proxyAddr from '@fastify/proxy-addr';
import { z } from 'zod';
import { ConfigError } from '../core/config-error.js';

/**
 * The only reader of process.env. Everything else receives the frozen Config, so tests build
 * one with `loadConfig({...})` and a bad environment fails at boot with every problem listed.
 */

const zBool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const zSeconds = z.coerce.number().int().positive();

const zEnv = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: z.string().optional(),
  TLS_CERT: z.string().optional(),
  TLS_KEY: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  ADMIN_TOKEN: z.string().min(16, 'ADMIN_TOKEN must be at least 16 characters').optional(),
  /** Reverse proxies in front: a hop count (1 = the old `true`) or their addresses/CIDRs; see parseTrustProxy. */
  TRUST_PROXY: z.string().default(''),
  /** Tenants defined by the operator (JSON {tenants: [{id, display_name?, credential_configurations?, admin_token?}]}). */
  TENANTS_FILE: z.string().optional(),
  /** The only directory POST /tenants may take credential configuration files from (by file name). */
  TENANT_CONFIGURATIONS_DIR: z.string().optional(),
  /** Per client address and minute at token, nonce and PAR; 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /** Per client address and minute at the dashboard sign-in. */
  RATE_LIMIT_SIGNIN_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  /** Serve signed issuer metadata (OID4VCI 1.0 §12.2.3) to wallets that Accept application/jwt. */
  SIGNED_METADATA: zBool.default(false),
  CREDENTIAL_CONFIGURATIONS: z.string().optional(),
  ISSUER_KEY_PEM: z.string().optional(),
  ISSUER_CHAIN_PEM: z.string().optional(),
  /** Country of the generated certificates; ISO 18013-5 readers compare it with issuing_country. */
  ISSUER_COUNTRY: z.string().regex(/^[A-Z]{2}$/, 'ISSUER_COUNTRY must be an ISO 3166-1 alpha-2 code').default('UT'),
  OFFER_TTL_SECONDS: zSeconds.default(24 * 3600),
  ACCESS_TOKEN_TTL_SECONDS: zSeconds.default(300),
  NONCE_TTL_SECONDS: zSeconds.default(300),
  TX_CODE_MAX_ATTEMPTS: zSeconds.default(5),
  PROOF_IAT_SKEW_SECONDS: zSeconds.default(60),
  PROOF_MAX_AGE_SECONDS: zSeconds.default(300),
  BATCH_SIZE: z.coerce.number().int().min(1).default(10),
  /** Credentials one access token may obtain in all (deferred included); default 4 × BATCH_SIZE. */
  CREDENTIALS_PER_ACCESS_TOKEN: z.coerce.number().int().min(1).optional(),
  BODY_LIMIT_BYTES: zSeconds.default(256 * 1024),
  /** Keep client addresses (X-Forwarded-For, socket address) in session logs; shown to admins only. */
  KEEP_CLIENT_IPS: zBool.default(false),
  /** `interval` of deferred responses (OID4VCI 1.0 §8.3, §9.2) and lifetime of transaction ids. */
  DEFERRED_INTERVAL_SECONDS: zSeconds.default(5),
  DEFERRED_TTL_SECONDS: zSeconds.default(24 * 3600),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // ---- operations and scale-out
  /** PostgreSQL connections per instance. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(2).max(1000).default(10),
  /** Retention purge period; 0 turns the scheduled purge off. */
  PURGE_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(300),
  /** Expired nonces, codes, tokens, transactions and unredeemed offers stay this long (diagnostics say "expired", not "unknown"). */
  RETENTION_EXPIRED_GRACE_SECONDS: z.coerce.number().int().min(0).default(3600),
  RETENTION_LOGS_DAYS: z.coerce.number().positive().default(7),
  RETENTION_SESSIONS_DAYS: z.coerce.number().positive().default(30),
  /** Bearer for GET /metrics (the admin token is accepted too). */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** How long SIGTERM waits for in-flight requests before the process exits anyway. */
  SHUTDOWN_TIMEOUT_SECONDS: zSeconds.default(30),
  KEY_RELOAD_INTERVAL_SECONDS: z.coerce.number().int().min(0).default(10),
  // ---- authorization code flow, DPoP
  /** HAIP asks for PAR; false also accepts plain authorization requests. */
  PAR_REQUIRED: zBool.default(true),
  /** wallet-quirks.md: wallets fail when DPoP is required, so it is optional unless asked for. */
  DPOP_REQUIRED: zBool.default(false),
  DPOP_NONCE_REQUIRED: zBool.default(false),
  DPOP_NONCE_TTL_SECONDS: zSeconds.default(300),
  DPOP_PROOF_MAX_AGE_SECONDS: zSeconds.default(300),
  PAR_TTL_SECONDS: zSeconds.default(90),
  AUTHORIZATION_TTL_SECONDS: zSeconds.default(600),
  AUTHORIZATION_CODE_TTL_SECONDS: zSeconds.default(60),
  REFRESH_TOKEN_TTL_SECONDS: zSeconds.default(7 * 24 * 3600),
  // ---- draft compatibility and fault injection
  /** Refuse the request shapes of OID4VCI drafts (11–15) with a diagnostic instead of serving them with a warning. */
  STRICT_MODE: zBool.default(false),
  /** Well-known forms that serve metadata: both, path insertion only (1.0 §12.2.2) or appended only (drafts ≤ 15). A fault switch; global because metadata is per issuer. */
  METADATA_WELL_KNOWN: z.enum(['both', 'inserted', 'appended']).default('both'),
  // ---- hardening
  /** Largest request head (request line + headers) Node accepts; bigger gets 431. */
  HEADER_LIMIT_BYTES: z.coerce.number().int().min(4096).max(1024 * 1024).default(16 * 1024),
  /** A request must arrive in full within this time (slow-loris); 0 turns it off. Streams that answer slowly are not affected. */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(0).default(30),
  /** Live views (SSE) open at once on this instance: in total, per session, per share link. Beyond: 503 / 429. */
  SSE_MAX_STREAMS: z.coerce.number().int().min(1).default(200),
  SSE_MAX_STREAMS_PER_SESSION: z.coerce.number().int().min(1).default(10),
  SSE_MAX_STREAMS_PER_SHARE_LINK: z.coerce.number().int().min(1).default(5),
  /** Requests no session vouches for (unknown paths, unknown codes/tokens) per client address and minute; past it nothing more is logged (unknown paths: 429). 0 turns the limit off. */
  RATE_LIMIT_UNBOUND_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** Encrypts generated private key files (PKCS#8, AES-256-CBC, PBKDF2 from this secret); unset keeps them 0600 plain. */
  KEY_ENCRYPTION_SECRET: z.string().min(16, 'KEY_ENCRYPTION_SECRET must be at least 16 characters').optional(),
  // ---- wallet and key attestation, encryption
  /** playground: an untrusted attester is accepted with a warning; strict: refused, and every token/PAR request needs a wallet attestation. */
  ATTESTATION_MODE: z.enum(['playground', 'strict']).default('playground'),
  /** Trusted wallet providers: a JSON file path or inline JSON {"jwks": [...], "x509_roots": ["PEM" | "path"]}. */
  WALLET_ATTESTATION_TRUST: z.string().optional(),
  /** Trusted key attesters (same format); defaults to WALLET_ATTESTATION_TRUST. */
  KEY_ATTESTATION_TRUST: z.string().optional(),
  /** Freshness of the OAuth-Client-Attestation-PoP iat (ABCA -07 §5.2). */
  ATTESTATION_POP_MAX_AGE_SECONDS: zSeconds.default(300),
  /** encryption_required of credential_request_encryption / credential_response_encryption (OID4VCI 1.0 §12.2.4). */
  CREDENTIAL_REQUEST_ENCRYPTION_REQUIRED: zBool.default(false),
  CREDENTIAL_RESPONSE_ENCRYPTION_REQUIRED: zBool.default(false),
  // ---- the OpenID4VP verifier
  /** playground: untrusted issuers, unknown status, draft shapes and unrequested claims are warnings; strict: refusals (per request: strict: true). */
  VERIFIER_MODE: z.enum(['playground', 'strict']).default('playground'),
  /** Issuers the verifier trusts besides this issuer's own root (same format as WALLET_ATTESTATION_TRUST). */
  VERIFIER_TRUST: z.string().optional(),
  /** Presentation presets (config/presentation-presets.json by default). */
  PRESENTATION_PRESETS: z.string().optional(),
  // ---- wallet test plans
  /** A directory of the operator's own test plan files (*.json), beside the shipped config/test-plans/. */
  TEST_PLANS_DIR: z.string().optional(),
  /** Lifetime of a presentation request: its request_uri, nonce and state. */
  PRESENTATION_REQUEST_TTL_SECONDS: zSeconds.default(600),
  /** The operator's request-signing key and chain (leaf first) instead of generated ones. */
  VERIFIER_KEY_PEM: z.string().optional(),
  VERIFIER_CHAIN_PEM: z.string().optional(),
});

export interface Config {
  port: number;
  host: string;
  /** Credential Issuer Identifier when no proxy headers apply (OID4VCI 1.0 §12.2.1). */
  publicUrl: URL;
  tls?: { certPath: string; keyPath: string };
  dataDir: string;
  databaseUrl?: string;
  /** Undefined means: generate one on first start and keep it in DATA_DIR. */
  adminToken?: string;
  /** Whose X-Forwarded-For/-Host/-Proto/-Prefix count (http/trusted-proxies.ts); false: nobody's. */
  trustProxy: TrustProxy;
  tenantsFile?: string;
  tenantConfigurationsDir?: string;
  rateLimitPerMinute: number;
  rateLimitSigninPerMinute: number;
  signedMetadata: boolean;
  credentialConfigurationsPath?: string;
  issuerKeyPemPath?: string;
  issuerChainPemPath?: string;
  issuerCountry: string;
  ttl: { offerSeconds: number; accessTokenSeconds: number; nonceSeconds: number };
  txCodeMaxAttempts: number;
  proof: { iatSkewSeconds: number; maxAgeSeconds: number };
  batchSize: number;
  credentialsPerAccessToken: number;
  bodyLimitBytes: number;
  logLevel: string;
  databasePoolMax: number;
  retention: { purgeIntervalSeconds: number; expiredGraceSeconds: number; logsDays: number; sessionsDays: number };
  metricsToken?: string;
  shutdownTimeoutSeconds: number;
  /** How often a running instance looks for a rotated document signer (0: never; a restart picks it up). */
  keyReloadIntervalSeconds: number;
  keepClientIps: boolean;
  deferred: { intervalSeconds: number; transactionTtlSeconds: number };
  /** Authorization code flow and DPoP (RFC 9126, RFC 9449); TTLs in seconds. */
  oauth: {
    parRequired: boolean;
    dpopRequired: boolean;
    dpopNonceRequired: boolean;
    dpopNonceTtlSeconds: number;
    dpopProofMaxAgeSeconds: number;
    parTtlSeconds: number;
    /** How long the login/consent page stays usable. */
    authorizationTtlSeconds: number;
    authorizationCodeTtlSeconds: number;
    refreshTokenTtlSeconds: number;
  };
  /** Draft compatibility: strict mode refuses draft request shapes; which metadata well-known forms are served. */
  compat: { strictMode: boolean; metadataWellKnown: 'both' | 'inserted' | 'appended' };
  hardening: HardeningConfig;
  /** Wallet attestation (ABCA -07), key attestation (OID4VCI 1.0 App. D). */
  attestation: { mode: 'playground' | 'strict'; walletTrust?: string; keyTrust?: string; popMaxAgeSeconds: number };
  /** Credential request / response encryption (OID4VCI 1.0 §10). */
  encryption: { requestRequired: boolean; responseRequired: boolean };
  /** The OpenID4VP 1.0 verifier beside the issuer. */
  verifier: { mode: 'playground' | 'strict'; trust?: string; presetsPath?: string; requestTtlSeconds: number; keyPemPath?: string; chainPemPath?: string };
  /** The operator's test plan directory, read beside the shipped plans. */
  testPlansDir?: string;
}

/** Input limits and secrets at rest. */
export interface HardeningConfig {
  headerLimitBytes: number;
  requestTimeoutSeconds: number;
  keyEncryptionSecret?: string;
  /** Caps on open live views (src/http/sse.ts). */
  streams: { total: number; perSession: number; perShareLink: number };
  /** Requests to unknown routes per client address and minute (0: no limit). */
  unboundPerMinute: number;
}

/** TRUST_PROXY: the n nearest peers are proxies, or the peers at these addresses/CIDRs are. */
export type TrustProxy = false | Readonly<{ hops: number }> | Readonly<{ proxies: readonly string[] }>;


export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = zEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const trustProxy = parseTrustProxy(e.TRUST_PROXY);
  const publicUrl = parsePublicUrl(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  if ((e.TLS_CERT && !e.TLS_KEY) || (!e.TLS_CERT && e.TLS_KEY)) {
    throw new ConfigError('Invalid environment:\n  TLS_CERT and TLS_KEY must be set together');
  }
  if (Boolean(e.VERIFIER_KEY_PEM) !== Boolean(e.VERIFIER_CHAIN_PEM)) {
    throw new ConfigError('Invalid environment:\n  VERIFIER_KEY_PEM and VERIFIER_CHAIN_PEM must be set together');
  }
  if ((e.ISSUER_KEY_PEM && !e.ISSUER_CHAIN_PEM) || (!e.ISSUER_KEY_PEM && e.ISSUER_CHAIN_PEM)) {
    throw new ConfigError('Invalid environment:\n  ISSUER_KEY_PEM and ISSUER_CHAIN_PEM must be set together');
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    tls: e.TLS_CERT && e.TLS_KEY ? { certPath: e.TLS_CERT, keyPath: e.TLS_KEY } : undefined,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL || undefined,
    adminToken: e.ADMIN_TOKEN,
    trustProxy,
    tenantsFile: e.TENANTS_FILE,
    tenantConfigurationsDir: e.TENANT_CONFIGURATIONS_DIR,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitSigninPerMinute: e.RATE_LIMIT_SIGNIN_PER_MINUTE,
    signedMetadata: e.SIGNED_METADATA,
    credentialConfigurationsPath: e.CREDENTIAL_CONFIGURATIONS,
    issuerKeyPemPath: e.ISSUER_KEY_PEM,
    issuerChainPemPath: e.ISSUER_CHAIN_PEM,
    issuerCountry: e.ISSUER_COUNTRY,
    ttl: { offerSeconds: e.OFFER_TTL_SECONDS, accessTokenSeconds: e.ACCESS_TOKEN_TTL_SECONDS, nonceSeconds: e.NONCE_TTL_SECONDS },
    txCodeMaxAttempts: e.TX_CODE_MAX_ATTEMPTS,
    proof: { iatSkewSeconds: e.PROOF_IAT_SKEW_SECONDS, maxAgeSeconds: e.PROOF_MAX_AGE_SECONDS },
    batchSize: e.BATCH_SIZE,
    credentialsPerAccessToken: e.CREDENTIALS_PER_ACCESS_TOKEN ?? 4 * e.BATCH_SIZE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    retention: {
      purgeIntervalSeconds: e.PURGE_INTERVAL_SECONDS,
      expiredGraceSeconds: e.RETENTION_EXPIRED_GRACE_SECONDS,
      logsDays: e.RETENTION_LOGS_DAYS,
      sessionsDays: e.RETENTION_SESSIONS_DAYS,
    },
    metricsToken: e.METRICS_TOKEN,
    shutdownTimeoutSeconds: e.SHUTDOWN_TIMEOUT_SECONDS,
    keyReloadIntervalSeconds: e.KEY_RELOAD_INTERVAL_SECONDS,
    keepClientIps: e.KEEP_CLIENT_IPS,
    deferred: { intervalSeconds: e.DEFERRED_INTERVAL_SECONDS, transactionTtlSeconds: e.DEFERRED_TTL_SECONDS },
    oauth: {
      parRequired: e.PAR_REQUIRED,
      dpopRequired: e.DPOP_REQUIRED,
      dpopNonceRequired: e.DPOP_NONCE_REQUIRED,
      dpopNonceTtlSeconds: e.DPOP_NONCE_TTL_SECONDS,
      dpopProofMaxAgeSeconds: e.DPOP_PROOF_MAX_AGE_SECONDS,
      parTtlSeconds: e.PAR_TTL_SECONDS,
      authorizationTtlSeconds: e.AUTHORIZATION_TTL_SECONDS,
      authorizationCodeTtlSeconds: e.AUTHORIZATION_CODE_TTL_SECONDS,
      refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL_SECONDS,
    },
    compat: { strictMode: e.STRICT_MODE, metadataWellKnown: e.METADATA_WELL_KNOWN },
    hardening: {
      headerLimitBytes: e.HEADER_LIMIT_BYTES,
      requestTimeoutSeconds: e.REQUEST_TIMEOUT_SECONDS,
      keyEncryptionSecret: e.KEY_ENCRYPTION_SECRET || undefined,
      streams: { total: e.SSE_MAX_STREAMS, perSession: e.SSE_MAX_STREAMS_PER_SESSION, perShareLink: e.SSE_MAX_STREAMS_PER_SHARE_LINK },
      unboundPerMinute: e.RATE_LIMIT_UNBOUND_PER_MINUTE,
    },
    attestation: {
      mode: e.ATTESTATION_MODE,
      walletTrust: e.WALLET_ATTESTATION_TRUST || undefined,
      keyTrust: e.KEY_ATTESTATION_TRUST || e.WALLET_ATTESTATION_TRUST || undefined,
      popMaxAgeSeconds: e.ATTESTATION_POP_MAX_AGE_SECONDS,
    },
    encryption: { requestRequired: e.CREDENTIAL_REQUEST_ENCRYPTION_REQUIRED, responseRequired: e.CREDENTIAL_RESPONSE_ENCRYPTION_REQUIRED },
    verifier: {
      mode: e.VERIFIER_MODE,
      trust: e.VERIFIER_TRUST || undefined,
      presetsPath: e.PRESENTATION_PRESETS || undefined,
      requestTtlSeconds: e.PRESENTATION_REQUEST_TTL_SECONDS,
      keyPemPath: e.VERIFIER_KEY_PEM || undefined,
      chainPemPath: e.VERIFIER_CHAIN_PEM || undefined,
    },
    testPlansDir: e.TEST_PLANS_DIR || undefined,
  });
}

/**
 * TRUST_PROXY: off (empty, 0, false, no, off); a hop count (1, or true/yes/on as before: the
 * one peer that connects is a proxy); or a comma-separated list of proxy addresses, CIDRs and
 * the names loopback, linklocal, uniquelocal (as Fastify's trustProxy and proxy-addr read them).
 */
function parseTrustProxy(raw: string): TrustProxy {
  const value = raw.trim().toLowerCase();
  if (['', '0', 'false', 'no', 'off'].includes(value)) return false;
  if (['true', 'yes', 'on'].includes(value)) return Object.freeze({ hops: 1 });
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops > 32) throw new ConfigError(`Invalid environment:\n  TRUST_PROXY: ${hops} proxy hops is not plausible (at most 32)`);
    return Object.freeze({ hops });
  }
  const proxies = value.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    proxyAddr.compile(proxies);
  } catch (err) {
    throw new ConfigError(`Invalid environment:\n  TRUST_PROXY: ${(err as Error).message}; expected a hop count or proxy addresses/CIDRs (e.g. loopback, 10.0.0.5, 10.0.0.0/8)`);
  }
  return Object.freeze({ proxies: Object.freeze(proxies) });
}

/** The identifier has no query or fragment and no trailing slash (OID4VCI 1.0 §12.2.1). */
function parsePublicUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`Invalid environment:\n  PUBLIC_URL: not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('Invalid environment:\n  PUBLIC_URL: must be an http(s) URL');
  }
  if (url.search || url.hash) {
    throw new ConfigError('Invalid environment:\n  PUBLIC_URL: must not carry a query or fragment (OID4VCI 1.0 §12.2.1)');
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

import { resolve } from 'node:path';
import { z } from 'zod';

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
  TRUST_PROXY: zBool.default(false),
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
  BODY_LIMIT_BYTES: zSeconds.default(256 * 1024),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
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
  trustProxy: boolean;
  credentialConfigurationsPath?: string;
  issuerKeyPemPath?: string;
  issuerChainPemPath?: string;
  issuerCountry: string;
  ttl: { offerSeconds: number; accessTokenSeconds: number; nonceSeconds: number };
  txCodeMaxAttempts: number;
  proof: { iatSkewSeconds: number; maxAgeSeconds: number };
  batchSize: number;
  bodyLimitBytes: number;
  logLevel: string;
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const parsed = zEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const publicUrl = parsePublicUrl(e.PUBLIC_URL ?? `http://localhost:${e.PORT}`);
  if ((e.TLS_CERT && !e.TLS_KEY) || (!e.TLS_CERT && e.TLS_KEY)) {
    throw new ConfigError('Invalid environment:\n  TLS_CERT and TLS_KEY must be set together');
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
    trustProxy: e.TRUST_PROXY,
    credentialConfigurationsPath: e.CREDENTIAL_CONFIGURATIONS,
    issuerKeyPemPath: e.ISSUER_KEY_PEM,
    issuerChainPemPath: e.ISSUER_CHAIN_PEM,
    issuerCountry: e.ISSUER_COUNTRY,
    ttl: { offerSeconds: e.OFFER_TTL_SECONDS, accessTokenSeconds: e.ACCESS_TOKEN_TTL_SECONDS, nonceSeconds: e.NONCE_TTL_SECONDS },
    txCodeMaxAttempts: e.TX_CODE_MAX_ATTEMPTS,
    proof: { iatSkewSeconds: e.PROOF_IAT_SKEW_SECONDS, maxAgeSeconds: e.PROOF_MAX_AGE_SECONDS },
    batchSize: e.BATCH_SIZE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
  });
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

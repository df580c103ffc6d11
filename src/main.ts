import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadConfig } from './config/config.js';
import { ConfigError } from './core/config-error.js';
import { systemClock } from './core/clock.js';
import { buildApp } from './app.js';
import { createProcessMetrics } from './http/plugins/metrics.js';
import { shutdownGracefully } from './lifecycle.js';
import { loadRuntime } from './runtime.js';
import { TenantHost } from './tenants/tenant-host.js';
import { useSelfCheckWorker } from './self-check/self-check-pool.js';
import { useBackgroundCheckpoints } from './store/sqlite-checkpointer.js';
import { mountPath } from './http/urls.js';
import { hopCountWarning } from './http/trusted-proxies.js';
import { retentionPolicy, startPurgeSchedule } from './store/retention.js';
import { createProcessLog } from './process-log.js';
import { describeListenError, describeStart } from './start-report.js';

/** Process entry: config → store → keys → app → listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  // A busy port says so before anything is created (keys, admin token, database).
  await probePort(config.host, config.port);
  // Self-checks of issued credentials cost more CPU than issuing them: off the event loop.
  useSelfCheckWorker(true);
  // WAL checkpoints of the embedded database on a worker thread too (store/sqlite-checkpointer.ts).
  useBackgroundCheckpoints(true);
  // Process logs: structured JSON lines on stdout (plain lines on a terminal), apart from the
  // session logs in the database. Lifecycle lines (start, address, shutdown) are logged at
  // info whatever LOG_LEVEL says, unless it says silent: operators and scripts wait for them.
  const tty = process.stdout.isTTY === true;
  const { log, print } = createProcessLog(config.logLevel, tty);
  const lifecycle = log.child({ component: 'lifecycle' }, { level: config.logLevel === 'silent' ? 'silent' : 'info' });
  const runtime = await loadRuntime(config, systemClock, (line) => (line.startsWith('warning:') ? lifecycle.warn(line.slice(9)) : lifecycle.info(line)), {
    onBackgroundError: (err, where) => log.warn({ err, where }, `${where}: ${err.message}`),
  });
  let draining = false;
  const say = (line: string) => (line.startsWith('warning:') ? lifecycle.warn(line.slice(9)) : lifecycle.info(line));
  const proxyWarning = hopCountWarning(config);
  if (proxyWarning) say(`warning: ${proxyWarning}`);
  // Retention (and the expiry of unredeemed offers) for the deployment's issuer and each tenant.
  const purgeOptions = (store: typeof runtime.deps.store, tenant?: string) => ({
    store,
    clock: systemClock,
    policy: retentionPolicy(config.retention),
    intervalMs: config.retention.purgeIntervalSeconds * 1000,
    onDone: ({ sessions_expired: expired = 0, ...counts }: Record<string, number>) => {
      const deleted = Object.values(counts).reduce((a, b) => a + b, 0);
      if (expired > 0) log.info({ tenant, sessions_expired: expired }, `${expired} session(s) expired: offer expired unredeemed`);
      if (deleted > 0) log.info({ tenant, purge: counts }, `retention purge deleted ${deleted} rows`);
    },
    onError: (err: unknown) => log.error({ err, tenant }, 'retention purge failed'),
  });
  // A document signer rotated by npm run keys or another instance is picked up without a restart.
  const keyWatchHooks = (tenant?: string) => ({
    onRotated: (keys: { signer: { kid: string }; jwks: { keys: unknown[] } }) =>
      say(`${tenant ? `Tenant ${tenant}: ` : ''}document signer ${keys.signer.kid} in use (rotated); ${keys.jwks.keys.length} signer key(s) published`),
    onError: (err: Error) => log.warn({ err, tenant }, `issuer key reload: ${err.message}`),
  });
  const keyWatch = runtime.watchKeys(keyWatchHooks());
  // One /metrics for the deployment's issuer and every tenant, each series labelled by tenant.
  const metrics = createProcessMetrics();
  // Tenants: complete issuers of their own, built by the same code as this one.
  const tenants = new TenantHost({
    config,
    say,
    build: async (tenantConfig, tenantId) => {
      const tenantRuntime = await loadRuntime(tenantConfig, systemClock, say);
      const tenantApp = await buildApp(tenantRuntime.deps, { loggerInstance: log, ops: { draining: () => draining }, metrics, tenantId });
      const tenantPurge = startPurgeSchedule(purgeOptions(tenantRuntime.deps.store, tenantId));
      const tenantKeys = tenantRuntime.watchKeys(keyWatchHooks(tenantId));
      tenantApp.addHook('onClose', async () => {
        tenantKeys?.stop();
        await tenantPurge.stop();
      });
      return { deps: tenantRuntime.deps, app: tenantApp };
    },
  });
  const reserved = new Set<string>();
  const app = await buildApp(runtime.deps, {
    loggerInstance: log,
    https: config.tls ? { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) } : undefined,
    ops: { draining: () => draining },
    tenants,
    metrics,
    onRoute: (route) => reserved.add(firstSegment(route.url, mountPath(config))),
  });
  await tenants.start(reserved);
  const purge = startPurgeSchedule(purgeOptions(runtime.deps.store));
  const shutdown = async (signal: string) => {
    lifecycle.info(`${signal}: finishing in-flight requests`);
    keyWatch?.stop();
    await tenants.close();
    const clean = await shutdownGracefully({
      app,
      store: runtime.deps.store,
      purge,
      setDraining: () => (draining = true),
      timeoutMs: config.shutdownTimeoutSeconds * 1000,
      log: lifecycle,
    });
    log.flush();
    process.exit(clean ? 0 : 1);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    // Taken between the probe and now: the same one line.
    const line = describeListenError(err as NodeJS.ErrnoException, config.host, config.port);
    if (line) exitWith(line);
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  lifecycle.info(`issuance-lab listening on ${config.host}:${port}; Credential Issuer Identifier ${runtime.issuer}`);
  // In plain words for the person who ran `npm start`, after the JSON lines (or, on a terminal, as plain lines).
  if (config.logLevel !== 'silent') {
    print(`${describeStart({ issuer: runtime.issuer, boundTo: `${config.host}:${port}`, adminToken: runtime.adminTokenOrigin }).join('\n')}\n`);
  }
}

/** Resolves when host:port can be bound; otherwise exits with one line saying why. */
async function probePort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const line = describeListenError(err, host, port);
      if (line) exitWith(line);
      reject(err);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function exitWith(line: string): never {
  console.error(line);
  process.exit(1);
}

/** The first path segment a route takes under the mount path: a tenant id may not shadow it. */
function firstSegment(url: string, mount: string): string {
  const rest = mount && url.startsWith(mount) ? url.slice(mount.length) : url;
  return rest.split('/')[1] ?? '';
}

main().catch((err) => {
  if (err instanceof ConfigError || err?.name === 'CredentialConfigurationError') {
    console.error(err.message);
  } else {
    console.error(err);
  }
  process.exit(1);
});

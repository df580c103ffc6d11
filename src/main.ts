import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { ConfigError, loadConfig } from './config/config.js';
import { systemClock } from './core/clock.js';
import { buildApp } from './app.js';
import { shutdownGracefully } from './lifecycle.js';
import { loadRuntime } from './runtime.js';
import { TenantHost } from './tenants/tenant-host.js';
import { useSelfCheckWorker } from './self-check/self-check-pool.js';
import { useBackgroundCheckpoints } from './store/sqlite-checkpointer.js';
import { mountPath } from './http/urls.js';
import { retentionPolicy, startPurgeSchedule } from './store/retention.js';

/** Process entry: config → store → keys → app → listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  // Self-checks of issued credentials cost more CPU than issuing them: off the event loop.
  useSelfCheckWorker(true);
  // WAL checkpoints of the embedded database on a worker thread too (store/sqlite-checkpointer.ts).
  useBackgroundCheckpoints(true);
  // Process logs: structured JSON lines on stdout (pino, as Fastify logs), apart from the
  // session logs in the database. Lifecycle lines (start, address, shutdown) are logged at
  // info whatever LOG_LEVEL says, unless it says silent: operators and scripts wait for them.
  const log = pino({ level: config.logLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  const lifecycle = log.child({ component: 'lifecycle' }, { level: config.logLevel === 'silent' ? 'silent' : 'info' });
  const runtime = await loadRuntime(config, systemClock, (line) => (line.startsWith('warning:') ? lifecycle.warn(line.slice(9)) : lifecycle.info(line)), {
    onBackgroundError: (err, where) => log.warn({ err, where }, `${where}: ${err.message}`),
  });
  let draining = false;
  const say = (line: string) => (line.startsWith('warning:') ? lifecycle.warn(line.slice(9)) : lifecycle.info(line));
  // Tenants (issue 9): complete issuers of their own, built by the same code as this one.
  const tenants = new TenantHost({
    config,
    say,
    build: async (tenantConfig) => {
      const tenantRuntime = await loadRuntime(tenantConfig, systemClock, say);
      const tenantApp = await buildApp(tenantRuntime.deps, { loggerInstance: log, ops: { draining: () => draining } });
      return { deps: tenantRuntime.deps, app: tenantApp };
    },
  });
  const reserved = new Set<string>();
  const app = await buildApp(runtime.deps, {
    loggerInstance: log,
    https: config.tls ? { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) } : undefined,
    ops: { draining: () => draining },
    tenants,
    onRoute: (route) => reserved.add(firstSegment(route.url, mountPath(config))),
  });
  await tenants.start(reserved);
  const purge = startPurgeSchedule({
    store: runtime.deps.store,
    clock: systemClock,
    policy: retentionPolicy(config.retention),
    intervalMs: config.retention.purgeIntervalSeconds * 1000,
    onDone: (counts) => {
      const deleted = Object.values(counts).reduce((a, b) => a + b, 0);
      if (deleted > 0) log.info({ purge: counts }, `retention purge deleted ${deleted} rows`);
    },
    onError: (err) => log.error({ err }, 'retention purge failed'),
  });
  const shutdown = async (signal: string) => {
    lifecycle.info(`${signal}: finishing in-flight requests`);
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
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  lifecycle.info(`issuance-lab listening on ${config.tls ? 'https' : 'http'}://${config.host}:${port}`);
  lifecycle.info(`Credential issuer: ${runtime.issuer}`);
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

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CredentialConfigurationSet } from '../../credential-configurations/load.js';
import type { LogEntry, Store, StoreChange } from '../../store/store.js';

/**
 * Prometheus metrics of this instance (text exposition at GET /metrics, routes/ops).
 *
 * - HTTP: counts and latency per route template (never the raw URL: bounded labels), hooked
 *   on every context.
 * - Issuance and errors: derived from this instance's committed session log (the local
 *   changes feed), so protocol code needs no metrics calls and what is counted is exactly
 *   what the session log says happened. Commits of other instances are theirs to count.
 * - Pool: read at scrape time.
 *
 * One Registry per app (not prom-client's global one), so tests can build several apps.
 */
export interface Metrics {
  registry: Registry;
  stop(): void;
}

export function registerMetrics(app: FastifyInstance, deps: { store: Store; configurations: CredentialConfigurationSet }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'issuance_http_requests_total',
    help: 'HTTP requests by route template, method and status code',
    labelNames: ['route', 'method', 'status_code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'issuance_http_request_duration_seconds',
    help: 'HTTP request latency by route template and method (response sent, session log committed)',
    labelNames: ['route', 'method'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const issuances = new Counter({
    name: 'issuance_credentials_total',
    help: 'Credential requests by configuration and outcome (issued: credentials handed out, deferred: transaction_id, failed: error response)',
    labelNames: ['configuration', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'issuance_errors_total',
    help: 'Error responses of wallet-facing endpoints by endpoint and wire error code',
    labelNames: ['endpoint', 'error'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'issuance_db_pool_connections',
    help: 'Database pool connections by state (PostgreSQL; absent for SQLite)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = deps.store.maintenance.poolStats();
      if (!pool) return;
      this.set({ state: 'total' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
      this.set({ state: 'max' }, pool.max);
    },
  });

  const started = new WeakMap<object, bigint>();
  app.addHook('onRequest', async (request) => {
    started.set(request, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (request, reply) => {
    const t0 = started.get(request);
    const route = request.routeOptions.url ?? 'unmatched';
    requests.inc({ route, method: request.method, status_code: String(reply.statusCode) });
    if (t0 !== undefined) latency.observe({ route, method: request.method }, Number(process.hrtime.bigint() - t0) / 1e9);
  });

  const known = (id: unknown) => (typeof id === 'string' && deps.configurations.byId.has(id) ? id : 'unknown');
  const onChange = (change: StoreChange) => {
    if (change.remote) return;
    for (const e of change.events) {
      const cfg = known(e.details?.credential_configuration_id);
      if (e.type === 'credential_issued') issuances.inc({ configuration: cfg, outcome: 'issued' });
      else if (e.type === 'credential_deferred') issuances.inc({ configuration: cfg, outcome: 'deferred' });
    }
    for (const l of change.logs) {
      const failure = failureOf(l);
      if (!failure) continue;
      errors.inc({ endpoint: l.endpoint, error: failure.error });
      if (l.endpoint === 'credential') issuances.inc({ configuration: known(failure.configuration), outcome: 'failed' });
    }
  };
  const unsubscribe = deps.store.changes.subscribe(onChange);
  return { registry, stop: unsubscribe };
}

/** The request entry runEndpoint writes carries status, the error body, and the (redacted) request body. */
function failureOf(l: LogEntry): { error: string; configuration: unknown } | null {
  const d = l.data as { status?: unknown; response?: { error?: unknown }; body?: { credential_configuration_id?: unknown } } | null;
  if (!d || typeof d.status !== 'number' || d.status < 400) return null;
  const error = typeof d.response?.error === 'string' && /^[a-z_]{1,64}$/.test(d.response.error) ? d.response.error : 'unknown';
  return { error, configuration: d.body?.credential_configuration_id };
}

import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CredentialConfigurationSet } from '../../credential-configurations/load.js';
import type { LogEntry, Store, StoreChange } from '../../store/store.js';

/**
 * Prometheus metrics of this process: the deployment's issuer and every tenant it hosts, in one
 * registry, each series labelled `tenant` (the tenant id; "" for the deployment's own issuer).
 * Tenants are created by the operator, so the label's cardinality is bounded.
 *
 * - HTTP: counts and latency per route template (never the raw URL: bounded labels), hooked
 *   on every context of each app.
 * - Issuance and errors: derived from each issuer's committed session log (its local changes
 *   feed), so protocol code needs no metrics calls and what is counted is exactly what the
 *   session log says happened. Commits of other instances are theirs to count.
 * - Sessions by state and pool usage: read from each issuer's store at scrape time.
 *
 * One ProcessMetrics per process (main.ts), not prom-client's global registry, so tests can
 * build several apps, each with its own.
 */
export interface ProcessMetrics {
  registry: Registry;
  /** Hooks one app (the deployment's issuer or a tenant) in; returns the detach for its onClose. */
  attach(app: FastifyInstance, deps: MetricsDeps, tenant: string): () => void;
  /** The exposition text, all of it or only one tenant's series (without process metrics). */
  render(tenant?: string): Promise<string>;
}

interface MetricsDeps {
  store: Store;
  configurations: CredentialConfigurationSet;
}

export const DEPLOYMENT_TENANT = '';

export function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const sources = new Map<string, MetricsDeps>();

  const requests = new Counter({
    name: 'issuance_http_requests_total',
    help: 'HTTP requests by tenant, route template, method and status code',
    labelNames: ['tenant', 'route', 'method', 'status_code'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'issuance_http_request_duration_seconds',
    help: 'HTTP request latency by tenant, route template and method (response sent, session log committed)',
    labelNames: ['tenant', 'route', 'method'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const issuances = new Counter({
    name: 'issuance_credentials_total',
    help: 'Credential requests by tenant, configuration and outcome (issued: credentials handed out, deferred: transaction_id, failed: error response)',
    labelNames: ['tenant', 'configuration', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'issuance_errors_total',
    help: 'Error responses of wallet-facing endpoints by tenant, endpoint and wire error code',
    labelNames: ['tenant', 'endpoint', 'error'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'issuance_sessions',
    help: 'Sessions in the database by tenant and state (read at scrape time; shared by every instance on one database)',
    labelNames: ['tenant', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const [tenant, deps] of sources) {
        const counts = await deps.store.maintenance.countSessionsByState();
        for (const [state, n] of Object.entries(counts)) this.set({ tenant, state }, n);
      }
    },
  });
  new Gauge({
    name: 'issuance_db_pool_connections',
    help: 'Database pool connections by tenant and state (PostgreSQL; absent for SQLite)',
    labelNames: ['tenant', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [tenant, deps] of sources) {
        const pool = deps.store.maintenance.poolStats();
        if (!pool) continue;
        this.set({ tenant, state: 'total' }, pool.total);
        this.set({ tenant, state: 'idle' }, pool.idle);
        this.set({ tenant, state: 'waiting' }, pool.waiting);
        this.set({ tenant, state: 'max' }, pool.max);
      }
    },
  });

  return {
    registry,
    attach(app, deps, tenant) {
      sources.set(tenant, deps);
      const started = new WeakMap<object, bigint>();
      app.addHook('onRequest', async (request) => {
        started.set(request, process.hrtime.bigint());
      });
      app.addHook('onResponse', async (request, reply) => {
        const t0 = started.get(request);
        const route = request.routeOptions.url ?? 'unmatched';
        requests.inc({ tenant, route, method: request.method, status_code: String(reply.statusCode) });
        if (t0 !== undefined) latency.observe({ tenant, route, method: request.method }, Number(process.hrtime.bigint() - t0) / 1e9);
      });

      const known = (id: unknown) => (typeof id === 'string' && deps.configurations.byId.has(id) ? id : 'unknown');
      const onChange = (change: StoreChange) => {
        if (change.remote) return;
        for (const e of change.events) {
          const cfg = known(e.details?.credential_configuration_id);
          if (e.type === 'credential_issued') issuances.inc({ tenant, configuration: cfg, outcome: 'issued' });
          else if (e.type === 'credential_deferred') issuances.inc({ tenant, configuration: cfg, outcome: 'deferred' });
        }
        for (const l of change.logs) {
          const failure = failureOf(l);
          if (!failure) continue;
          errors.inc({ tenant, endpoint: l.endpoint, error: failure.error });
          if (l.endpoint === 'credential') issuances.inc({ tenant, configuration: known(failure.configuration), outcome: 'failed' });
        }
      };
      const unsubscribe = deps.store.changes.subscribe(onChange);
      return () => {
        unsubscribe();
        if (sources.get(tenant) === deps) sources.delete(tenant);
      };
    },
    async render(tenant) {
      const text = await registry.metrics();
      return tenant === undefined ? text : onlyTenant(text, tenant);
    },
  };
}

/**
 * The series of one tenant from the exposition text: sample lines whose labels hold exactly
 * `tenant="<id>"`, with the HELP and TYPE lines of their families (tenant ids are
 * [a-z0-9-], so the label value needs no escaping).
 */
function onlyTenant(text: string, tenant: string): string {
  const label = `tenant="${tenant}"`;
  const out: string[] = [];
  let header: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# HELP ')) header = [line];
    else if (line.startsWith('# ')) header.push(line);
    else if (line.includes(`{${label}`) || line.includes(`,${label}`)) {
      out.push(...header, line);
      header = [];
    }
  }
  return out.length ? `${out.join('\n')}\n` : '';
}

/** The request entry runEndpoint writes carries status, the error body, and the (redacted) request body. */
function failureOf(l: LogEntry): { error: string; configuration: unknown } | null {
  const d = l.data as { status?: unknown; response?: { error?: unknown }; body?: { credential_configuration_id?: unknown } } | null;
  if (!d || typeof d.status !== 'number' || d.status < 400) return null;
  const error = typeof d.response?.error === 'string' && /^[a-z_]{1,64}$/.test(d.response.error) ? d.response.error : 'unknown';
  return { error, configuration: d.body?.credential_configuration_id };
}

import { existsSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CredentialConfigurationError } from '../credential-configurations/load.js';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import type { AppDeps } from '../http/app-deps.js';
import { TenantError, TenantRegistry, type TenantRecord } from './tenant-registry.js';
import { tenantOfPath } from './tenant-routing.js';
import { mountPath } from '../http/urls.js';

/**
 * Runs the tenants of a deployment inside one process. Each tenant is a complete issuer built
 * by the same code as the deployment's own — its own config (identifier PUBLIC_URL/{tenant}),
 * keys, configurations, admin token, and database (its own SQLite file, or its own schema on
 * PostgreSQL) — so isolation holds by construction: a token or nonce of one tenant is simply
 * not in another's database. Requests are dispatched by path before Fastify routing, which
 * also lets tenants be added while the server runs.
 */
export interface TenantRuntime {
  deps: AppDeps;
  app: FastifyInstance;
}

export interface TenantHostOptions {
  config: Readonly<Config>;
  /** Builds one issuer from its config: loadRuntime + buildApp, shared with the main issuer. */
  build: (config: Readonly<Config>, tenantId: string) => Promise<TenantRuntime>;
  say?: (line: string) => void;
}

export class TenantHost {
  readonly registry: TenantRegistry;
  private readonly running = new Map<string, TenantRuntime>();
  private readonly mount: string;

  constructor(private readonly options: TenantHostOptions) {
    this.registry = new TenantRegistry(options.config.dataDir, options.config.tenantsFile);
    this.mount = mountPath(options.config);
  }

  /**
   * Starts every known tenant; called once the main app's own paths are reserved. A tenant
   * that cannot start is left out with a line saying so: one bad tenant must not keep the
   * deployment (and every other tenant) down.
   */
  async start(reservedSegments: ReadonlySet<string>): Promise<void> {
    this.registry.reserve(reservedSegments);
    for (const tenant of this.registry.records()) {
      try {
        await this.launch(tenant);
      } catch (err) {
        this.options.say?.(`warning: tenant ${tenant.id} not started: ${launchFailure(err)}`);
      }
    }
  }

  /** A tenant of the operator API: started first, recorded only once it runs. */
  async create(input: { id: string; display_name?: string; credential_configurations?: string }, now: Date) {
    const tenant = this.registry.prepare(input, now, this.options.config.tenantConfigurationsDir);
    const dataDir = this.registry.dataDirOf(tenant.id);
    const fresh = !existsSync(dataDir);
    let runtime: TenantRuntime;
    try {
      runtime = await this.launch(tenant);
    } catch (err) {
      if (fresh) {
        rmSync(dataDir, { recursive: true, force: true });
        if (this.options.config.databaseUrl) await dropSchema(this.options.config.databaseUrl, schemaOf(tenant)).catch(() => undefined);
      }
      if (err instanceof TenantError) throw err;
      throw new TenantError(400, `Tenant ${tenant.id} did not start: ${launchFailure(err)}`);
    }
    this.registry.record(tenant);
    return { tenant, runtime };
  }

  /** Stops a tenant of the operator API and deletes it with its data (SQLite files or PostgreSQL schema, keys, admin token). */
  async remove(id: string): Promise<void> {
    const tenant = this.registry.get(id);
    this.registry.remove(id);
    const runtime = this.running.get(id);
    this.running.delete(id);
    if (runtime) {
      await runtime.app.close();
      await runtime.deps.store.close();
    }
    if (tenant && this.options.config.databaseUrl) await dropSchema(this.options.config.databaseUrl, schemaOf(tenant));
    rmSync(this.registry.dataDirOf(id), { recursive: true, force: true });
  }

  list(): { tenant: TenantRecord; issuer: string }[] {
    return this.registry.list().map((tenant) => ({ tenant, issuer: tenantConfig(this.options.config, tenant, this.registry.dataDirOf(tenant.id)).publicUrl.href }));
  }

  /** Hands the request to its tenant's app; false when it belongs to the deployment's own issuer. */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean {
    const id = tenantOfPath(req.url ?? '/', this.mount, (segment) => this.running.has(segment));
    if (!id) return false;
    this.running.get(id)!.app.routing(req, res);
    return true;
  }

  async close(): Promise<void> {
    for (const { app, deps } of this.running.values()) {
      await app.close();
      await deps.store.close();
    }
  }

  private async launch(tenant: TenantRecord): Promise<TenantRuntime> {
    if (this.running.has(tenant.id)) throw new TenantError(409, `Tenant ${tenant.id} is running`);
    const config = tenantConfig(this.options.config, tenant, this.registry.dataDirOf(tenant.id));
    if (this.options.config.databaseUrl) await createSchema(this.options.config.databaseUrl, schemaOf(tenant));
    const runtime = await this.options.build(config, tenant.id);
    await runtime.app.ready();
    this.running.set(tenant.id, runtime);
    this.options.say?.(`Tenant ${tenant.id}: credential issuer ${runtime.deps.config.publicUrl.href}`);
    return runtime;
  }
}

/** A tenant's config: the deployment's, with its own identifier, data, database and token. */
export function tenantConfig(base: Readonly<Config>, tenant: TenantRecord, dataDir: string): Readonly<Config> {
  const publicUrl = new URL(base.publicUrl.href);
  publicUrl.pathname = `${publicUrl.pathname.replace(/\/+$/, '')}/${tenant.id}`;
  return Object.freeze({
    ...base,
    publicUrl,
    dataDir,
    databaseUrl: base.databaseUrl ? withSchema(base.databaseUrl, schemaOf(tenant)) : undefined,
    adminToken: tenant.admin_token,
    credentialConfigurationsPath: tenant.credential_configurations ?? base.credentialConfigurationsPath,
    tenantsFile: undefined,
  });
}

function schemaOf(tenant: TenantRecord): string {
  return `tenant_${tenant.id.replace(/-/g, '_')}`;
}

/** Why a tenant did not start, in words that quote nothing from the files it read. */
function launchFailure(err: unknown): string {
  if (err instanceof CredentialConfigurationError) {
    return `its credential configurations file is not valid (${err.problems.length} problem(s); its contents are not shown here)`;
  }
  if (err instanceof TenantError) return err.message;
  return `${(err as Error)?.name ?? 'error'} while starting it`;
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

async function createSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The name is derived from a validated tenant id ([a-z0-9_]), so it is safe to interpolate.
    await client.query(`create schema if not exists "${schema}"`);
  } finally {
    await client.end();
  }
}

/** PostgreSQL: each tenant gets its own schema, selected through the connection's search_path. */
function withSchema(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.href;
}

import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { z } from 'zod';

/**
 * The tenants of one deployment: several credential issuers, each with its own identifier
 * (`PUBLIC_URL/{tenant}`), keys, configurations, admin token, database and dashboard. Tenants
 * come from the operator's TENANTS_FILE (static) and from the operator API (kept in
 * DATA_DIR/tenants/tenants.json). A generated admin token lives with the tenant's data, like
 * the deployment's own.
 */

export const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

const zTenant = z.strictObject({
  id: z.string().regex(TENANT_ID, 'tenant ids are 1-40 lowercase letters, digits and inner hyphens'),
  display_name: z.string().max(200).optional(),
  /** Path to a credential configurations file; the deployment's file when absent. */
  credential_configurations: z.string().optional(),
  /** Static tenants may set their admin token in the file (≥ 16 characters); otherwise one is generated and kept in the tenant's data. */
  admin_token: z.string().min(16).optional(),
  created_at: z.string().optional(),
});
export type TenantRecord = z.infer<typeof zTenant>;

const zTenantsFile = z.strictObject({ tenants: z.array(zTenant) });

export class TenantError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class TenantRegistry {
  private readonly tenants = new Map<string, TenantRecord & { source: 'file' | 'api' }>();
  private readonly storePath: string;

  private reserved: ReadonlySet<string> = new Set();

  constructor(
    private readonly dataDir: string,
    tenantsFile?: string,
  ) {
    this.storePath = join(dataDir, 'tenants', 'tenants.json');
    if (tenantsFile) for (const t of readTenantsFile(tenantsFile)) this.add({ ...t, source: 'file' });
    if (existsSync(this.storePath)) for (const t of readTenantsFile(this.storePath)) this.add({ ...t, source: 'api' });
  }

  /** First path segments the deployment's own issuer serves: no tenant may take one. */
  reserve(segments: ReadonlySet<string>): void {
    this.reserved = segments;
    for (const id of this.tenants.keys()) {
      if (segments.has(id)) throw new TenantError(400, `Tenant id ${id} is a path the issuer itself uses`);
    }
  }

  list(): TenantRecord[] {
    return [...this.tenants.values()].map(({ source: _source, admin_token: _token, ...t }) => t);
  }

  /** Full records, configured admin tokens included: for starting tenants, never for output. */
  records(): TenantRecord[] {
    return [...this.tenants.values()].map(({ source: _source, ...t }) => t);
  }

  get(id: string): TenantRecord | undefined {
    return this.tenants.get(id);
  }

  dataDirOf(id: string): string {
    return join(this.dataDir, 'tenants', id);
  }

  /**
   * Checks a tenant asked for through the operator API, without recording it: it is recorded
   * (`record`) only once it has started, so a tenant that cannot start never reaches
   * tenants.json. A configurations file is named by file name and read only from
   * TENANT_CONFIGURATIONS_DIR.
   */
  prepare(input: { id: string; display_name?: string; credential_configurations?: string }, now: Date, configurationsDir: string | undefined): TenantRecord {
    const parsed = zTenant.safeParse(input);
    if (!parsed.success) throw new TenantError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    if (this.tenants.has(input.id)) throw new TenantError(409, `Tenant ${input.id} exists`);
    if (this.reserved.has(input.id)) throw new TenantError(400, `Tenant id ${input.id} is a path the issuer itself uses`);
    const tenant: TenantRecord = { ...parsed.data, created_at: now.toISOString() };
    if (tenant.credential_configurations !== undefined) tenant.credential_configurations = configurationsFileIn(configurationsDir, tenant.credential_configurations);
    return tenant;
  }

  /** Records a started tenant of the operator API (tenants.json). */
  record(tenant: TenantRecord): void {
    this.add({ ...tenant, source: 'api' });
    this.persist();
  }

  /** Forgets a tenant of the operator API; a tenant of TENANTS_FILE cannot be removed here. */
  remove(id: string): void {
    const tenant = this.tenants.get(id);
    if (!tenant) throw new TenantError(404, `No tenant ${id}`);
    if (tenant.source === 'file') throw new TenantError(409, `Tenant ${id} is defined in TENANTS_FILE; remove it there`);
    this.tenants.delete(id);
    this.persist();
  }

  private add(t: TenantRecord & { source: 'file' | 'api' }): void {
    if (this.reserved.has(t.id)) throw new TenantError(400, `Tenant id ${t.id} is a path the issuer itself uses`);
    if (this.tenants.has(t.id)) throw new TenantError(409, `Tenant ${t.id} is defined twice`);
    this.tenants.set(t.id, t);
  }

  private persist(): void {
    const api = [...this.tenants.values()].filter((t) => t.source === 'api').map(({ source: _s, ...t }) => t);
    mkdirSync(join(this.dataDir, 'tenants'), { recursive: true, mode: 0o700 });
    writeFileSync(`${this.storePath}.tmp`, `${JSON.stringify({ tenants: api }, null, 2)}\n`, { mode: 0o600 });
    renameSync(`${this.storePath}.tmp`, this.storePath);
  }
}

/**
 * A configurations file named by the operator API: a plain file name inside `dir`, also after
 * symbolic links are resolved. Errors name the file, never anything in it.
 */
function configurationsFileIn(dir: string | undefined, name: string): string {
  if (!dir) throw new TenantError(400, 'credential_configurations can name a file only when TENANT_CONFIGURATIONS_DIR is set (the directory tenant configuration files are taken from)');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new TenantError(400, 'credential_configurations is the name of a file in TENANT_CONFIGURATIONS_DIR (letters, digits, dot, dash, underscore; no path)');
  }
  let root: string;
  let file: string;
  try {
    root = realpathSync(dir);
    file = realpathSync(join(root, name));
  } catch {
    throw new TenantError(400, `There is no file ${name} in TENANT_CONFIGURATIONS_DIR`);
  }
  if (!file.startsWith(root + sep) || !statSync(file).isFile()) throw new TenantError(400, `There is no file ${name} in TENANT_CONFIGURATIONS_DIR`);
  return file;
}

function readTenantsFile(path: string): TenantRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TenantError(500, `Cannot read tenants file ${path}: ${(e as Error).message}`);
  }
  const parsed = zTenantsFile.safeParse(raw);
  if (!parsed.success) {
    throw new TenantError(500, `Invalid tenants file ${path}:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data.tenants;
}

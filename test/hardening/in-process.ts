import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/http/app-deps.js';
import { loadConfig } from '../../src/config/config.js';
import { systemClock } from '../../src/core/clock.js';
import { loadRuntime } from '../../src/runtime.js';
import { TenantHost } from '../../src/tenants/tenant-host.js';

/**
 * The real app in this process (real store on a temp SQLite, real keys), driven with inject():
 * for tests that need every registered route, or a store that fails on purpose.
 */
export interface InProcessIssuer {
  app: FastifyInstance;
  deps: AppDeps;
  /** Every route as registered: method and full URL (with the mount path). */
  routes: { method: string; url: string }[];
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export async function startInProcess(env: Record<string, string> = {}, adjust: (deps: AppDeps) => AppDeps = (d) => d): Promise<InProcessIssuer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-inproc-'));
  const config = loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN, PUBLIC_URL: 'http://localhost:8080', ...env });
  const runtime = await loadRuntime(config, systemClock);
  const deps = adjust(runtime.deps);
  const routes: { method: string; url: string }[] = [];
  // With a tenant host, as main.ts builds it, so the operator's tenant routes are registered too (none is started).
  const tenants = new TenantHost({
    config,
    build: async () => {
      throw new Error('no tenants in this test');
    },
  });
  const app = await buildApp(deps, {
    tenants,
    onRoute: (r) => {
      for (const method of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method: String(method), url: r.url! });
    },
  });
  await app.ready();
  return {
    app,
    deps,
    routes,
    async close() {
      await app.close();
      await tenants.close();
      await runtime.deps.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

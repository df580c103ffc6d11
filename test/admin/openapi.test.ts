import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { systemClock } from '../../src/core/clock.js';
import { adminRoutes } from '../../src/http/routes/admin/index.js';
import { tenantRoutes } from '../../src/http/routes/admin/tenants.js';
import { TenantHost } from '../../src/tenants/tenant-host.js';
import { createOpenApiDocument } from '../../src/http/openapi.js';
import { loadRuntime } from '../../src/runtime.js';

/**
 * The OpenAPI document stays true: every route the admin context registers is documented with
 * its method, and every documented operation is registered. (Response shapes are checked
 * against the same schemas in test/session-log/observability.test.ts and the deferred tests.)
 */

let dataDir: string;
let runtime: Awaited<ReturnType<typeof loadRuntime>>;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-openapi-'));
  runtime = await loadRuntime(loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: 'test-admin-token-0123456789' }), systemClock);
});
after(async () => {
  await runtime.deps.store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('OpenAPI document of the admin API', () => {
  it('documents exactly the routes the admin context registers', async () => {
    const registered = new Set<string>();
    const app = Fastify();
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'HEAD') continue; // fastify's automatic HEAD for every GET
        // Path parameters compared by position: names differ by route ({session_id}, {tenant_id}, {run_id}).
        registered.add(`${method.toLowerCase()} ${route.url.replace(/:([A-Za-z_]+)/g, '{}')}`);
      }
    });
    await app.register(async (instance) => adminRoutes(instance, runtime.deps));
    // The operator's tenant routes are part of the same document.
    const tenants = new TenantHost({ config: runtime.deps.config, build: async () => { throw new Error('no tenant is started here'); } });
    await app.register(async (instance) => tenantRoutes(instance, runtime.deps, tenants));
    await app.ready();
    const doc = createOpenApiDocument('http://localhost:8080') as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path.replace(/\{[A-Za-z_]+\}/g, '{}')}`)));
    assert.ok(registered.size >= 10, `walked ${registered.size} routes`);
    assert.deepEqual([...registered].filter((r) => !documented.has(r)), [], 'registered but undocumented');
    assert.deepEqual([...documented].filter((r) => !registered.has(r)), [], 'documented but not registered');
    await app.close();
  });

  it('is served at /openapi.json and rendered on /docs, with every operation', async () => {
    const app = await buildApp(runtime.deps);
    const json = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(json.statusCode, 200);
    const doc = JSON.parse(json.body);
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(doc.servers[0].url, 'http://localhost:8080');
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(docs.statusCode, 200);
    for (const ops of Object.values(doc.paths as Record<string, Record<string, { operationId: string }>>)) {
      for (const op of Object.values(ops)) assert.match(docs.body, new RegExp(`id="${op.operationId}"`));
    }
    await app.close();
  });
});

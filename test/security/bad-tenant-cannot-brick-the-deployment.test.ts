import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { callApi, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * The operator's tenant API must not be able to break the deployment or leak what it reads:
 * - a tenant is recorded only once it has started: a bad one answers 400 and is not in
 *   tenants.json, so the next start is clean; a recorded tenant that no longer starts is
 *   skipped with a warning, the deployment and the other tenants serve;
 * - configuration files come only from TENANT_CONFIGURATIONS_DIR, by file name; errors never
 *   quote a file (neither in the answer nor in the process log);
 * - DELETE /tenants/{id} stops the tenant and deletes its data (SQLite files, or its schema on
 *   PostgreSQL; keys; admin token); a tenant of TENANTS_FILE is not the API's to delete;
 * - a tenant's admin token is in the creation answer once and never in the process log.
 * On SQLite and PostgreSQL, against the real process.
 */

const SECRET = 'SECRET-CONTENT-7f3a9c';
const PID = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

const call = callApi;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`a bad tenant cannot brick the deployment (${backend})`, () => {
    let issuer: RunningIssuer;
    let db: TestDatabase | undefined;
    let configDir: string;
    let outside: string;
    const staticToken = 'static-tenant-admin-token-0123';
    const admin = (method: string, path: string, body?: unknown) => call(issuer.baseUrl, issuer.adminToken, method, path, body);
    const schemas = async () => {
      const client = new pg.Client({ connectionString: db!.url });
      await client.connect();
      try {
        return (await client.query(`select schema_name from information_schema.schemata where schema_name like 'tenant_%'`)).rows.map((r) => r.schema_name as string);
      } finally {
        await client.end();
      }
    };

    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('bad_tenant') : undefined;
      configDir = mkdtempSync(join(tmpdir(), 'tenant-configurations-'));
      outside = mkdtempSync(join(tmpdir(), 'outside-'));
      copyFileSync('config/credential-configurations.json', join(configDir, 'good.json'));
      writeFileSync(join(configDir, 'not-json.json'), `${SECRET}: this is not JSON\n`);
      writeFileSync(join(configDir, 'bad-shape.json'), JSON.stringify({ credential_configurations: { [SECRET]: { format: SECRET } } }));
      writeFileSync(join(outside, 'elsewhere.json'), readFileSync('config/credential-configurations.json'));
      symlinkSync(join(outside, 'elsewhere.json'), join(configDir, 'link.json'));
      const tenantsFile = join(outside, 'tenants.json');
      writeFileSync(tenantsFile, JSON.stringify({ tenants: [{ id: 'static-co', admin_token: staticToken }] }));
      issuer = await startIssuer({
        env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'debug', TENANT_CONFIGURATIONS_DIR: configDir, TENANTS_FILE: tenantsFile, ...(db ? { DATABASE_URL: db.url } : {}) },
      });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
      rmSync(configDir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
      await db?.drop();
    });

    it('refuses files outside TENANT_CONFIGURATIONS_DIR and bad files without quoting them, records nothing, and restarts clean', async () => {
      const refused: [string, RegExp][] = [
        ['/etc/passwd', /name of a file in TENANT_CONFIGURATIONS_DIR/],
        ['../outside/elsewhere.json', /name of a file in TENANT_CONFIGURATIONS_DIR/],
        ['link.json', /no file link\.json in TENANT_CONFIGURATIONS_DIR/],
        ['missing.json', /no file missing\.json/],
        ['not-json.json', /did not start: its credential configurations file is not valid/],
        ['bad-shape.json', /did not start: its credential configurations file is not valid/],
      ];
      for (const [file, message] of refused) {
        const res = await admin('POST', '/tenants', { tenant_id: 'broken', credential_configurations: file });
        assert.equal(res.status, 400, `${file}: ${res.text}`);
        assert.match(res.body.error_description, message, file);
        assert.ok(!res.text.includes(SECRET) && !res.text.includes('root:'), `${file}: the answer quotes the file`);
      }
      assert.ok(!issuer.output().includes(SECRET), 'the process log quotes a file');
      assert.ok(!(await admin('GET', '/tenants')).body.tenants.some((t: { tenant_id: string }) => t.tenant_id === 'broken'));
      assert.ok(!existsSync(join(issuer.dataDir, 'tenants', 'broken')), 'no data left of the tenant that did not start');
      if (db) assert.ok(!(await schemas()).includes('tenant_broken'), 'no schema left of the tenant that did not start');

      const good = await admin('POST', '/tenants', { tenant_id: 'good-co', credential_configurations: 'good.json' });
      assert.equal(good.status, 201, good.text);
      const stored = JSON.parse(readFileSync(join(issuer.dataDir, 'tenants', 'tenants.json'), 'utf8')).tenants.map((t: { id: string }) => t.id);
      assert.deepEqual(stored, ['good-co']);

      issuer = await issuer.restart();
      assert.ok(!issuer.output().includes(SECRET));
      const ids = (await admin('GET', '/tenants')).body.tenants.map((t: { tenant_id: string }) => t.tenant_id).sort();
      assert.deepEqual(ids, ['good-co', 'static-co']);
      assert.equal((await call(issuer.baseUrl, good.body.admin_token, 'GET', '/good-co/sessions')).status, 200);

      // A recorded tenant whose file went bad since: skipped with a warning, the rest still serves.
      writeFileSync(join(configDir, 'good.json'), `${SECRET}\n`);
      issuer = await issuer.restart();
      assert.match(issuer.output(), /tenant good-co not started: its credential configurations file is not valid/);
      assert.ok(!issuer.output().includes(SECRET));
      assert.notEqual((await call(issuer.baseUrl, good.body.admin_token, 'GET', '/good-co/sessions')).status, 200);
      assert.equal((await call(issuer.baseUrl, staticToken, 'GET', '/static-co/sessions')).status, 200);
      assert.equal((await admin('GET', '/sessions')).status, 200);
    });

    it('shows a tenant admin token once, in the answer, and never in the process log', async () => {
      const created = await admin('POST', '/tenants', { tenant_id: 'token-co' });
      assert.equal(created.status, 201, created.text);
      const token: string = created.body.admin_token;
      assert.ok(token.length >= 16);
      assert.equal((await call(issuer.baseUrl, token, 'GET', '/token-co/sessions')).status, 200);
      assert.ok(!JSON.stringify((await admin('GET', '/tenants')).body).includes(token), 'the list does not show it again');
      assert.ok(!issuer.output().includes(token), 'the process log (LOG_LEVEL=debug) carries the tenant admin token');
    });

    it('deletes a tenant with its data, keeps TENANTS_FILE tenants, and lets the id be created afresh', async () => {
      const created = await admin('POST', '/tenants', { tenant_id: 'gone-co' });
      assert.equal(created.status, 201, created.text);
      const base = created.body.credential_issuer as string;
      const oldToken = created.body.admin_token as string;
      const offer = await call(base, oldToken, 'POST', '/credential_offers', { credential_configuration_ids: [PID] });
      assert.equal(offer.status, 201);
      await w.redeem({ ...issuer, baseUrl: base } as RunningIssuer, offer.body);
      const dataDir = join(issuer.dataDir, 'tenants', 'gone-co');
      assert.ok(existsSync(dataDir));
      if (db) assert.ok((await schemas()).includes('tenant_gone_co'));

      const deleted = await call(issuer.baseUrl, issuer.adminToken, 'DELETE', '/tenants/gone-co');
      assert.equal(deleted.status, 204);
      assert.ok(!existsSync(dataDir), 'its data directory (keys, admin token, SQLite files) is gone');
      if (db) assert.ok(!(await schemas()).includes('tenant_gone_co'), 'its schema is dropped');
      assert.ok(!(await admin('GET', '/tenants')).body.tenants.some((t: { tenant_id: string }) => t.tenant_id === 'gone-co'));
      const meta = await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer/gone-co`);
      assert.equal(meta.status, 404);
      await meta.arrayBuffer();
      assert.notEqual((await call(base, oldToken, 'GET', '/sessions')).status, 200);

      assert.equal((await call(issuer.baseUrl, issuer.adminToken, 'DELETE', '/tenants/gone-co')).status, 404);
      assert.equal((await call(issuer.baseUrl, issuer.adminToken, 'DELETE', '/tenants/static-co')).status, 409);
      assert.equal((await call(issuer.baseUrl, undefined, 'DELETE', '/tenants/static-co')).status, 401);
      assert.equal((await call(issuer.baseUrl, staticToken, 'GET', '/static-co/sessions')).status, 200, 'the file tenant still runs');

      const again = await admin('POST', '/tenants', { tenant_id: 'gone-co' });
      assert.equal(again.status, 201, again.text);
      assert.notEqual(again.body.admin_token, oldToken);
      assert.equal((await call(base, oldToken, 'GET', '/sessions')).status, 401, 'the old admin token is dead');
      assert.deepEqual((await call(base, again.body.admin_token, 'GET', '/sessions')).body.total, 0, 'nothing of the old tenant is left');
    });
  });
}

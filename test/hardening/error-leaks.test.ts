import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppDeps } from '../../src/http/app-deps.js';
import { COOKIE_NAME, DashboardAuth } from '../../src/dashboard/auth.js';
import type { Store } from '../../src/store/store.js';
import { ADMIN_TOKEN, startInProcess, type InProcessIssuer } from './in-process.js';

/**
 * No stack traces or internal messages to clients. A real fault is made by the
 * database failing reads with a message full of internals (a file path, SQL, a marker); every
 * context — wallet, authorize page, admin API, status admin, status lists, dashboard, share
 * links, probes — must answer a generic 5xx while the details reach the session log. And a
 * client's mistakes that Fastify catches before any handler (bad JSON, wrong type, unknown
 * path) get a 4xx spec error, never a 5xx.
 */

const MARKER = 'SECRET-INTERNAL-7f3a';
const INTERNAL = `${MARKER}: SQLITE_IOERR at /var/lib/issuance-lab/data/issuance.sqlite: select * from sessions where id = ?`;
/** Reads fail; writes (the session log), secrets and rate limits keep working. */
const BROKEN_NAMESPACES = ['sessions', 'grants', 'tokens', 'nonces', 'transactions', 'shares', 'statusLists', 'credentials', 'logs', 'events', 'authorizations', 'pars'];

function breakReads(store: Store): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !BROKEN_NAMESPACES.includes(prop) || typeof value !== 'object' || value === null) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return new Proxy(value, {
        get(ns, name) {
          const fn = Reflect.get(ns, name);
          return typeof fn === 'function' ? async () => Promise.reject(new Error(INTERNAL)) : fn;
        },
      });
    },
  });
}

function assertNoInternals(label: string, body: string) {
  assert.ok(!body.includes(MARKER), `${label} leaked the internal message: ${body.slice(0, 300)}`);
  assert.ok(!/\bat .+\.(ts|js):\d+/.test(body), `${label} leaked a stack trace`);
  assert.ok(!/SQLITE|select \*|\/var\/lib/.test(body), `${label} leaked internals`);
}

describe('a failing database', () => {
  let issuer: InProcessIssuer;
  let realStore: Store;
  let cookie: string;
  before(async () => {
    issuer = await startInProcess({}, (deps: AppDeps) => {
      realStore = deps.store;
      return { ...deps, store: breakReads(deps.store) };
    });
    cookie = `${COOKIE_NAME}=${encodeURIComponent(new DashboardAuth(ADMIN_TOKEN).issueCookieValue(Date.now()))}`;
  });
  after(async () => issuer.close());

  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const cases: { label: string; method: 'GET' | 'POST'; url: string; headers?: Record<string, string>; payload?: string }[] = [
    { label: 'wallet: offer retrieval', method: 'GET', url: '/credential_offers/off_x' },
    { label: 'wallet: token', method: 'POST', url: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=abc' },
    { label: 'wallet: credential', method: 'POST', url: '/credential', headers: { authorization: 'Bearer abc', 'content-type': 'application/json' }, payload: '{}' },
    { label: 'authorize page', method: 'GET', url: '/authorize?client_id=w&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Ax' },
    { label: 'admin API', method: 'GET', url: '/sessions', headers: admin },
    { label: 'admin API: one session', method: 'GET', url: '/sessions/ses_x', headers: admin },
    { label: 'status admin', method: 'GET', url: '/sessions/ses_x/credentials', headers: admin },
    { label: 'status list', method: 'GET', url: '/status-lists/x' },
    { label: 'dashboard page', method: 'GET', url: '/ui/sessions/ses_x', headers: { cookie: 'SIGNED-IN' } },
    { label: 'dashboard list', method: 'GET', url: '/', headers: { cookie: 'SIGNED-IN' } },
    { label: 'share link', method: 'GET', url: '/share/abc' },
  ];

  for (const c of cases) {
    it(`${c.label}: answers a generic 500 without internals`, async () => {
      const headers = c.headers?.cookie === 'SIGNED-IN' ? { cookie } : c.headers;
      const res = await issuer.app.inject({ method: c.method, url: c.url, headers, payload: c.payload });
      assert.equal(res.statusCode, 500, `${c.label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      assertNoInternals(c.label, res.body);
      if (String(res.headers['content-type']).startsWith('application/json')) assert.equal(res.json().error, 'server_error');
    });
  }

  it('keeps the details of a wallet-endpoint fault in the session log (not in the answer)', async () => {
    const res = await issuer.app.inject({ method: 'GET', url: '/credential_offers/off_y' });
    const requestId = String(res.headers['x-request-id']);
    const logs = await realStore.logs.list(null, { limit: 50, offset: 0, order: 'desc' });
    const entry = logs.items.find((l) => l.requestId === requestId && l.level === 'error');
    assert.ok(entry, 'an error entry for the request');
    assert.match(JSON.stringify(entry!.data), new RegExp(MARKER));
    assert.equal((entry!.data as { code?: string }).code, 'server.internal');
  });

  it('readyz reports the database as failed without saying why', async () => {
    const res = await issuer.app.inject({ method: 'GET', url: '/readyz' });
    assertNoInternals('readyz', res.body);
  });
});

describe('client mistakes caught before any handler', () => {
  let issuer: InProcessIssuer;
  before(async () => {
    issuer = await startInProcess();
  });
  after(async () => issuer.close());

  const cases: { label: string; method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: string; status: number }[] = [
    { label: 'admin: broken JSON', method: 'POST', url: '/credential_offers', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{"credential_configuration_ids": [', status: 400 },
    { label: 'admin: JSON nested 10000 deep', method: 'POST', url: '/credential_offers', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: `{"claims":${'['.repeat(10000)}${']'.repeat(10000)}}`, status: 400 },
    { label: 'admin: prototype poisoning', method: 'POST', url: '/credential_offers', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{"__proto__":{"admin":true},"credential_configuration_ids":[]}', status: 400 },
    { label: 'admin: XML', method: 'POST', url: '/credential_offers', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/xml' }, payload: '<x/>', status: 415 },
    { label: 'status admin: broken JSON', method: 'POST', url: '/credentials/c/status', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{bad', status: 400 },
    { label: 'consent: JSON instead of a form', method: 'POST', url: '/authorize/consent', headers: { 'content-type': 'application/json' }, payload: '{}', status: 400 },
    { label: 'unknown wallet path', method: 'POST', url: '/credentials', headers: { 'content-type': 'application/json' }, payload: '{}', status: 404 },
    { label: 'wrong method', method: 'DELETE', url: '/token', status: 404 },
    { label: 'metadata with a trailing slash', method: 'GET', url: '/.well-known/openid-credential-issuer/', status: 404 },
  ];
  for (const c of cases) {
    it(`${c.label}: ${c.status} with an error code, no internals`, async () => {
      const res = await issuer.app.inject({ method: c.method, url: c.url, headers: c.headers, payload: c.payload });
      assert.equal(res.statusCode, c.status, `${c.label}: ${res.body.slice(0, 300)}`);
      assert.equal(typeof res.json().error, 'string');
      assertNoInternals(c.label, res.body);
    });
  }

  it('logs a wallet request to an unknown path in the unbound log with request.route.unknown', async () => {
    const res = await issuer.app.inject({ method: 'POST', url: '/credentail', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(res.statusCode, 404);
    const logs = await issuer.deps.store.logs.list(null, { limit: 20, offset: 0, order: 'desc' });
    const entry = logs.items.find((l) => l.requestId === res.headers['x-request-id'] && l.level === 'error');
    assert.equal((entry?.data as { code?: string } | null)?.code, 'request.route.unknown');
  });
});

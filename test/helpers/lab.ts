import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { AppDeps } from '../../src/http/app-deps.js';
import { loadConfig } from '../../src/config/config.js';
import { systemClock, type Clock } from '../../src/core/clock.js';
import { loadRuntime } from '../../src/runtime.js';

/**
 * The real app in this process (temp SQLite, generated keys) driven with inject(), with the
 * few wallet and admin calls the draft, fault and self-check tests need. Hand-made requests on
 * purpose: these tests send exactly the (legacy or broken) shape they are about.
 */
export const LAB_ADMIN = 'test-admin-token-0123456789';
export const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface Lab {
  app: FastifyInstance;
  deps: AppDeps;
  issuer: string;
  close(): Promise<void>;
  admin(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Reply>;
  offer(body?: Record<string, unknown>): Promise<any>;
  token(form: Record<string, string>, headers?: Record<string, string>): Promise<Reply>;
  redeem(offer: any, extra?: Record<string, string>): Promise<Reply>;
  nonce(): Promise<string>;
  credential(accessToken: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  deferred(accessToken: string, body: unknown): Promise<Reply>;
  /** Session log entries, oldest first. */
  logs(sessionId: string): Promise<any[]>;
  /** Catalogue codes of the session's error and warning entries, oldest first. */
  codes(sessionId: string): Promise<string[]>;
  session(sessionId: string): Promise<any>;
  /** POST a form body (a record, or raw text for repeated parameters). */
  form(path: string, form: Record<string, string> | string, headers?: Record<string, string>): Promise<Reply & { text: string }>;
  get(path: string, headers?: Record<string, string>): Promise<Reply & { text: string }>;
  /** Diagnostic codes logged for one request (x-request-id), on its session or in the unbound stream. */
  requestCodes(requestId: unknown, sessionId?: string): Promise<string[]>;
}

const parse = (text: string) => (text ? JSON.parse(text) : undefined);

export async function startLab(env: Record<string, string> = {}, clock: Clock = systemClock): Promise<Lab> {
  const dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-lab-'));
  const issuer = env.PUBLIC_URL ?? 'http://localhost:8080';
  const runtime = await loadRuntime(loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: LAB_ADMIN, PUBLIC_URL: issuer, RATE_LIMIT_PER_MINUTE: '0', ...env }), clock);
  const app = await buildApp(runtime.deps);
  await app.ready();
  const mount = new URL(issuer).pathname.replace(/\/$/, '');
  const call = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string): Promise<Reply> => {
    const r = await app.inject({ method, url: `${mount}${url}`, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: r.statusCode, headers: r.headers as Reply['headers'], body: parse(r.body) };
  };
  const callText = async (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: string) => {
    const r = await app.inject({ method, url: `${mount}${url}`, headers, ...(payload !== undefined ? { payload } : {}) });
    const json = /json/.test(String(r.headers['content-type'] ?? '')) ? parse(r.body) : undefined;
    return { status: r.statusCode, headers: r.headers as Reply['headers'], body: json, text: r.body };
  };
  const lab: Lab = {
    app,
    deps: runtime.deps,
    issuer,
    async close() {
      await app.close();
      await runtime.deps.store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    admin: (method, url, body) =>
      call(method, url, { authorization: `Bearer ${LAB_ADMIN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, body !== undefined ? JSON.stringify(body) : undefined),
    async offer(body = {}) {
      const r = await lab.admin('POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], ...body });
      if (r.status !== 201) throw new Error(`offer: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
    token: (form, headers = {}) => call('POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', ...headers }, new URLSearchParams(form).toString()),
    redeem: (offer, extra = {}) =>
      lab.token({ grant_type: PRE_AUTH, 'pre-authorized_code': offer.credential_offer.grants[PRE_AUTH]['pre-authorized_code'], ...(offer.tx_code ? { tx_code: offer.tx_code } : {}), ...extra }),
    async nonce() {
      return (await call('POST', '/nonce', {})).body.c_nonce;
    },
    credential: (accessToken, body, headers = {}) =>
      call('POST', '/credential', { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...headers }, typeof body === 'string' ? body : JSON.stringify(body)),
    deferred: (accessToken, body) => call('POST', '/deferred_credential', { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' }, JSON.stringify(body)),
    async logs(sessionId) {
      return (await lab.admin('GET', `/sessions/${sessionId}/logs?limit=500&order=asc`)).body.logs;
    },
    async codes(sessionId) {
      return (await lab.logs(sessionId)).filter((l) => l.level === 'error' || l.level === 'warning').map((l) => l.data?.code).filter(Boolean);
    },
    async session(sessionId) {
      return (await lab.admin('GET', `/sessions/${sessionId}`)).body;
    },
    form: (path, form, headers = {}) =>
      callText('POST', path, { 'content-type': 'application/x-www-form-urlencoded', ...headers }, typeof form === 'string' ? form : new URLSearchParams(form).toString()),
    get: (path, headers = {}) => callText('GET', path, headers),
    async requestCodes(requestId, sessionId) {
      const unbound = (await lab.admin('GET', '/unbound_requests/logs?limit=500')).body.logs as any[];
      const bound = sessionId ? await lab.logs(sessionId) : [];
      return [...unbound, ...bound].filter((l) => l.request_id === requestId).map((l) => l.data?.code).filter(Boolean);
    },
  };
  return lab;
}

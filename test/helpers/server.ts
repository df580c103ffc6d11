import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real issuer process on 127.0.0.1, driven over HTTP like a wallet would. */
export interface RunningIssuer {
  baseUrl: string;
  /** This process's own address; differs from baseUrl (PUBLIC_URL) when instances share one identifier. */
  localUrl: string;
  adminToken: string;
  dataDir: string;
  process: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops and starts again on the same port and data directory. */
  restart(): Promise<RunningIssuer>;
  cleanup(): void;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  env?: Record<string, string>;
  dataDir?: string;
  port?: number;
  /** Extra node flags for the server process, e.g. ['--cpu-prof'] when profiling a benchmark. */
  nodeArgs?: string[];
  /**
   * Entry module: default src/main.ts (through tsx, so the suite always runs the sources as
   * they are); a compiled .js entry (dist/main.js) runs on plain node, as `npm start` does.
   */
  entry?: string;
}

export async function startIssuer(opts: StartOptions = {}): Promise<RunningIssuer> {
  const port = opts.port ?? (await freePort());
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'issuance-lab-test-'));
  const adminToken = opts.env?.ADMIN_TOKEN ?? 'test-admin-token-0123456789';
  const baseUrl = opts.env?.PUBLIC_URL ?? `http://localhost:${port}`;
  const entry = opts.entry ?? 'src/main.ts';
  const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...loader, entry], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: baseUrl,
      DATA_DIR: dataDir,
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    // Generous: on a loaded machine (CI, parallel runs) compiling the sources alone took 15 s.
    const timer = setTimeout(() => reject(new Error(`issuer did not start:\n${out}`)), 90_000);
    const check = () => {
      if (out.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`issuer exited with ${code}:\n${out}`));
    });
  });
  const issuer: RunningIssuer = {
    baseUrl,
    localUrl: `http://127.0.0.1:${port}`,
    adminToken,
    dataDir,
    process: child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    },
    async restart() {
      await issuer.stop();
      return startIssuer({ ...opts, dataDir, port });
    },
    cleanup() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return issuer;
}

/** Calls the admin API with the issuer's admin token. */
export async function admin<T = any>(issuer: RunningIssuer, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${issuer.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${issuer.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** An issuer and the place to check what it stored: a second instance where the database can be shared. */
export interface IssuerPair {
  /** Where the wallet's requests go. */
  issuer: RunningIssuer;
  /** A second process on the same PostgreSQL database and issuer identifier, addressed directly; on SQLite, `issuer` itself. */
  elsewhere: RunningIssuer;
  stop(): Promise<void>;
}

/**
 * Starts one issuer on `databaseUrl` (or SQLite when absent) and, on PostgreSQL, a second one
 * with the same PUBLIC_URL, as behind a load balancer: what one instance decides (a
 * revocation, a sign-out) must hold at the other.
 */
export async function startIssuerPair(env: Record<string, string>, databaseUrl?: string): Promise<IssuerPair> {
  const port = await freePort();
  const shared = { ...env, PUBLIC_URL: `http://localhost:${port}`, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) };
  const issuer = await startIssuer({ port, env: shared });
  const second = databaseUrl ? await startIssuer({ env: shared }) : undefined;
  return {
    issuer,
    elsewhere: second ? { ...second, baseUrl: second.localUrl } : issuer,
    async stop() {
      for (const s of second ? [issuer, second] : [issuer]) {
        await s.stop();
        s.cleanup();
      }
    },
  };
}

/** Any API call with an optional bearer token: status, raw text, and the body as JSON (the text when it is not JSON). */
export async function callApi(base: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; text: string; body: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, text, body: json };
}

/** Signs in to the dashboard with the admin token; returns the cookie (name=value) to send. */
export async function signIn(issuer: RunningIssuer): Promise<string> {
  const r = await fetch(`${issuer.baseUrl}/ui/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: issuer.adminToken }).toString(),
    redirect: 'manual',
  });
  if (r.status !== 303) throw new Error(`sign-in answered ${r.status}`);
  return r.headers.get('set-cookie')!.split(';')[0];
}

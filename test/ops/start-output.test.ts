import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { freePort } from '../helpers/server.js';

/**
 * What `npm start` prints for a person: the dashboard URL (one URL: PUBLIC_URL), the admin token
 * on the start that generated it and where it is kept, the issuer identifier, the https
 * warning; "listening" once; a busy port in one line, before keys or a token exist.
 */

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'issuance-lab-start-'));
  dirs.push(d);
  return d;
}

/** Starts src/main.ts (no ADMIN_TOKEN unless given), waits for the start output or the exit, stops it. */
async function start(env: Record<string, string>, opts: { tty?: boolean } = {}): Promise<{ out: string; code: number | null }> {
  const { ADMIN_TOKEN: _drop, ...inherited } = process.env;
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  // `script` gives the process a pseudo-terminal as stdout, as when a person runs npm start.
  const [cmd, args] = opts.tty ? ['script', ['-qefc', node.map((a) => `'${a}'`).join(' '), '/dev/null']] : [node[0], node.slice(1)];
  const child = spawn(cmd, args as string[], { env: { ...inherited, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<void>((resolve) => {
    const check = () => /create an offer for your wallet[\s\S]*\n\s*\n/.test(out) && resolve();
    child.stdout.on('data', check);
  });
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000));
  const first = await Promise.race([started.then(() => 'started' as const), exited.then(() => 'exited' as const), timeout]);
  if (first === 'started') {
    child.kill('SIGTERM');
    if (opts.tty) child.stdin.end('\u0003');
  }
  if (first === 'timeout') child.kill('SIGKILL');
  const code = await exited;
  return { out: out.replace(/\r/g, ''), code };
}

describe('first start output', () => {
  let firstStartDir = '';
  it('prints the dashboard URL, the generated admin token and its file, the identifier and the https warning after the JSON lines', async () => {
    const dataDir = (firstStartDir = tempDir());
    const port = await freePort();
    const { out } = await start({ DATA_DIR: dataDir, PORT: String(port) });
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const lines = out.split('\n');
    const listening = lines.findIndex((l) => l.startsWith('{') && l.includes('listening on'));
    const plain = lines.slice(listening + 1, lines.findIndex((l, i) => i > listening && l.startsWith('{'))).join('\n');
    // The plain block follows the JSON lines of the start and holds everything a first start needs.
    assert.ok(listening > 0, out);
    assert.ok(lines.slice(0, listening).every((l) => l.startsWith('{')), out);
    assert.ok(plain.includes(`Dashboard and credential issuer:  http://localhost:${port}/`), plain);
    assert.ok(plain.includes(`Credential Issuer Identifier:     http://localhost:${port}`), plain);
    assert.ok(plain.includes(`Admin token (generated now, shown this once): ${token}`), plain);
    assert.ok(plain.includes(`Kept in ${join(dataDir, 'admin-token')}`), plain);
    assert.match(plain, /plain http: wallets on phones refuse issuers that are not https/);
    assert.match(plain, /TLS_CERT and TLS_KEY/);
    assert.match(plain, /TRUST_PROXY=1/);
    // The token is printed once, in the plain block only (not in the JSON lines that log collectors keep).
    assert.equal(out.split(token).length - 1, 1);
    // "listening" once, and no URL but PUBLIC_URL's (Fastify's own "Server listening at http://127.0.0.1" is gone).
    assert.equal(out.match(/listening/gi)?.length, 1, out);
    assert.doesNotMatch(out, /http:\/\/127\.0\.0\.1/);
  });

  it('on a later start says where the admin token is kept, without printing it', async () => {
    const dataDir = firstStartDir;
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const { out } = await start({ DATA_DIR: dataDir, PORT: String(await freePort()) });
    assert.ok(out.includes(`Admin token: kept in ${join(dataDir, 'admin-token')}`), out);
    assert.ok(!out.includes(token));
  });

  it('says nothing about phones when PUBLIC_URL is https on a public name, and names ADMIN_TOKEN when it is set', async () => {
    const port = await freePort();
    const { out } = await start({ DATA_DIR: tempDir(), PORT: String(port), PUBLIC_URL: 'https://issuer.example', ADMIN_TOKEN: 'an-admin-token-from-the-env-0123' });
    assert.match(out, /Dashboard and credential issuer: {2}https:\/\/issuer\.example\//);
    assert.match(out, /Admin token: the value of ADMIN_TOKEN/);
    assert.doesNotMatch(out, /Warning: phone wallets/);
    assert.ok(!out.includes('an-admin-token-from-the-env-0123'));
  });

  it('prints plain lines instead of JSON when stdout is a terminal', async () => {
    const port = await freePort();
    const { out } = await start({ DATA_DIR: tempDir(), PORT: String(port) }, { tty: true });
    assert.match(out, /Dashboard and credential issuer: {2}http:\/\/localhost:\d+\//, out);
    assert.match(out, /\d\d:\d\d:\d\d issuance-lab listening on 127\.0\.0\.1:\d+/);
    assert.ok(!out.split('\n').some((l) => l.startsWith('{')), out);
  });

  it('a busy port: one line and exit 1, before keys or an admin token are created', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const { out, code } = await start({ DATA_DIR: dataDir, PORT: String(port) });
      assert.equal(code, 1);
      assert.equal(out.trim(), `Port ${port} on 127.0.0.1 is already in use (another issuance-lab?): stop that process or start with PORT=<another port>.`);
      assert.ok(!existsSync(join(dataDir, 'admin-token')));
      assert.ok(!existsSync(join(dataDir, 'keys')));
    } finally {
      blocker.close();
    }
  });
});

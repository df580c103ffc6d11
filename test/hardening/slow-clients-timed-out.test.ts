import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createIacaRootCertificate } from '../../src/crypto/certificates.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * Slow clients (slow-loris) are cut off at REQUEST_TIMEOUT_SECONDS on the server that actually
 * listens — HTTP and HTTPS, for the deployment's issuer and a tenant's — while a live stream,
 * which answers slowly, stays open. Driven over raw sockets against the real process (main.ts
 * builds the listening server itself, so Fastify's own requestTimeout option never applied).
 *
 * The client keeps dribbling for ten times the configured limit; the server must close first,
 * and not before the limit.
 */

const TIMEOUT_S = 1;
const DRIBBLE_FOR_MS = TIMEOUT_S * 1000 * 10;

interface Outcome {
  closedByServer: boolean;
  elapsedMs: number;
  response: string;
}

/** Sends `head`, then one `drip` every 150 ms until the server closes or DRIBBLE_FOR_MS passed. */
function dribble(socket: Socket, head: string, drip: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = Date.now();
    let response = '';
    let done = false;
    const finish = (closedByServer: boolean) => {
      if (done) return;
      done = true;
      clearInterval(timer);
      socket.destroy();
      resolve({ closedByServer, elapsedMs: Date.now() - started, response });
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (response += d));
    socket.on('close', () => finish(true));
    socket.on('end', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(head);
    const timer = setInterval(() => {
      if (Date.now() - started > DRIBBLE_FOR_MS) return finish(false);
      if (!socket.destroyed) socket.write(drip);
    }, 150);
  });
}

function assertCutOff(outcome: Outcome, what: string): void {
  assert.ok(outcome.closedByServer, `${what}: still open after ${DRIBBLE_FOR_MS} ms of dribbling (limit ${TIMEOUT_S} s)`);
  assert.ok(outcome.elapsedMs >= TIMEOUT_S * 1000 * 0.9, `${what}: cut off after ${outcome.elapsedMs} ms, before the limit`);
  assert.match(outcome.response, /^HTTP\/1\.1 408 /, `${what}: answered ${outcome.response.slice(0, 40)}`);
}

const slowHead = (host: string) => `GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`;
const slowBody = (host: string, path: string) =>
  `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\ngrant_type=`;

describe('slow clients are cut off at REQUEST_TIMEOUT_SECONDS (HTTP, with a tenant)', () => {
  let issuer: RunningIssuer;
  let dir: string;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slow-clients-'));
    const tenants = join(dir, 'tenants.json');
    writeFileSync(tenants, JSON.stringify({ tenants: [{ id: 'slowco', admin_token: 'slowco-admin-token-0123456789' }] }));
    issuer = await startIssuer({ env: { REQUEST_TIMEOUT_SECONDS: String(TIMEOUT_S), TENANTS_FILE: tenants } });
    port = Number(new URL(issuer.localUrl).port);
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 408 to a request head that never ends', async () => {
    assertCutOff(await dribble(netConnect(port, '127.0.0.1'), slowHead('localhost'), 'X-Slow: a\r\n'), 'slow head');
  });

  it('answers 408 to a token request whose body never ends', async () => {
    assertCutOff(await dribble(netConnect(port, '127.0.0.1'), slowBody('localhost', '/token'), 'a'), 'slow body');
  });

  it("answers 408 to a slow body sent to a tenant's endpoint", async () => {
    assertCutOff(await dribble(netConnect(port, '127.0.0.1'), slowBody('localhost', '/slowco/token'), 'a'), 'tenant slow body');
  });

  it('leaves a live stream open past the limit: it answers slowly, it did not ask slowly', async () => {
    const offer = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] });
    const socket = netConnect(port, '127.0.0.1');
    let received = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('close', () => (closed = true));
    socket.write(`GET /sessions/${offer.body.session_id}/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${issuer.adminToken}\r\n\r\n`);
    await new Promise((r) => setTimeout(r, TIMEOUT_S * 1000 * 3));
    await fetch(`${issuer.baseUrl}/credential_offers/${offer.body.offer_id}`);
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    assert.equal(closed, false);
    assert.match(received, /^HTTP\/1\.1 200 /);
    assert.match(received, /event: (log|event)/, 'the stream still delivers entries');
  });
});

describe('slow clients are cut off at REQUEST_TIMEOUT_SECONDS (HTTPS)', () => {
  let issuer: RunningIssuer;
  let dir: string;
  let port: number;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slow-clients-tls-'));
    const keyPair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const now = Date.now();
    const cert = await createIacaRootCertificate({ keyPair, issuerName: 'localhost', country: 'UT', notBefore: new Date(now - 3600_000), notAfter: new Date(now + 86_400_000) });
    writeFileSync(join(dir, 'cert.pem'), cert.pem);
    writeFileSync(join(dir, 'key.pem'), keyPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    issuer = await startIssuer({ env: { REQUEST_TIMEOUT_SECONDS: String(TIMEOUT_S), TLS_CERT: join(dir, 'cert.pem'), TLS_KEY: join(dir, 'key.pem') } });
    port = Number(new URL(issuer.localUrl).port);
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const tls = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(socket));
      socket.once('error', reject);
    });

  it('answers 408 to a request head that never ends', async () => {
    assertCutOff(await dribble(await tls(), slowHead('localhost'), 'X-Slow: a\r\n'), 'TLS slow head');
  });

  it('answers 408 to a token request whose body never ends', async () => {
    assertCutOff(await dribble(await tls(), slowBody('localhost', '/token'), 'a'), 'TLS slow body');
  });
});

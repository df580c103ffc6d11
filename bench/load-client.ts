import { sign as cryptoSign, type KeyObject } from 'node:crypto';
import http from 'node:http';

/** What the benchmark and the soak share: a keep-alive HTTP call and a minimal wallet's proof. */

/** A request that has no complete answer by then fails, so a run always ends. */
const REQUEST_TIMEOUT_MS = 30_000;

export function request(agent: http.Agent, port: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, agent, headers: { ...headers, ...(body ? { 'content-length': Buffer.byteLength(body) } : {}) } },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
        res.on('error', reject);
        // A connection closed mid-answer ends the response without 'end'.
        res.on('close', () => (res.complete ? undefined : reject(new Error(`${method} ${path}: connection closed before the answer was complete`))));
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS / 1000}s`)));
    req.on('error', reject);
    // One write for headers and body; with Nagle on, a separate body write waits for a delayed ACK.
    req.end(body);
  });
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

/** ES256 proof JWT with the public key in the header, as a minimal wallet signs it. */
export function proofJwt(privateKey: KeyObject, jwk: Record<string, unknown>, aud: string, nonce: string): string {
  const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y } }));
  const payload = b64url(JSON.stringify({ aud, nonce, iat: Math.floor(Date.now() / 1000) }));
  const signature = cryptoSign('sha256', Buffer.from(`${header}.${payload}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${header}.${payload}.${b64url(signature)}`;
}

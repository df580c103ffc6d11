import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/config-error.js';
import { hopCountWarning } from '../../src/http/trusted-proxies.js';
import { startInProcess } from './in-process.js';

/**
 * X-Forwarded-For/-Host/-Proto/-Prefix count only as far as TRUST_PROXY says proxies stand in
 * front: a hop count (TRUST_PROXY=1, the old boolean meaning) or the proxies' addresses/CIDRs.
 * Before, TRUST_PROXY=1 trusted every entry: a fresh leftmost X-Forwarded-For per attempt
 * escaped the sign-in limit, and a client-sent X-Forwarded-Host steered the metadata even
 * behind a proxy that appends its own. Real app on a real socket.
 */

async function withIssuer(env: Record<string, string>, run: (base: string) => Promise<void>): Promise<void> {
  const issuer = await startInProcess({ RATE_LIMIT_SIGNIN_PER_MINUTE: '3', ...env });
  try {
    await issuer.app.listen({ port: 0, host: '127.0.0.1' });
    const address = issuer.app.server.address();
    await run(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
  } finally {
    await issuer.close();
  }
}

const freshAddress = () => `198.18.${randomInt(256)}.${randomInt(256)}`;

async function signInStatus(base: string, forwardedFor: string): Promise<number> {
  const res = await fetch(`${base}/ui/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': forwardedFor },
    body: 'token=not-the-admin-token',
  });
  await res.arrayBuffer();
  return res.status;
}

/** Four wrong sign-ins, each with its own X-Forwarded-For: the fourth must hit the limit of 3. */
async function assertLimitHolds(base: string, forwardedFor: () => string): Promise<void> {
  // The minute window may roll over mid-sequence; the sequence is retried once if it did.
  for (let attempt = 0; attempt < 2; attempt++) {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await signInStatus(base, forwardedFor()));
    if (statuses.slice(0, 3).some((s) => s === 429)) continue;
    assert.deepEqual(statuses.slice(0, 3), [401, 401, 401]);
    if (statuses[3] !== 429 && attempt === 0) continue;
    assert.equal(statuses[3], 429, 'a fresh X-Forwarded-For escaped the sign-in limit');
    return;
  }
}

async function credentialIssuer(base: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${base}/.well-known/openid-credential-issuer`, { headers });
  assert.equal(res.status, 200);
  return ((await res.json()) as { credential_issuer: string }).credential_issuer;
}

describe('TRUST_PROXY=1 (one proxy hop, the old boolean meaning)', () => {
  it('a fresh X-Forwarded-For in front of the proxy entry does not escape the sign-in limit', async () => {
    await withIssuer({ TRUST_PROXY: '1' }, async (base) => {
      // As an appending proxy forwards it: the client's own value first, the real client last.
      await assertLimitHolds(base, () => `${freshAddress()}, 203.0.113.7`);
    });
  });

  it('builds metadata from the X-Forwarded-Host/-Proto the proxy set, not those the client sent before it', async () => {
    await withIssuer({ TRUST_PROXY: '1' }, async (base) => {
      const issuer = await credentialIssuer(base, { 'x-forwarded-host': 'evil.example, issuer.example', 'x-forwarded-proto': 'http, https' });
      assert.equal(issuer, 'https://issuer.example');
    });
  });
});

describe('TRUST_PROXY=<proxy addresses or CIDRs>', () => {
  it('ignores X-Forwarded-* from a peer that is not a listed proxy: metadata keeps PUBLIC_URL, the limit counts the peer', async () => {
    await withIssuer({ TRUST_PROXY: '192.0.2.10, 10.1.0.0/16' }, async (base) => {
      assert.equal(await credentialIssuer(base, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/phish' }), 'http://localhost:8080');
      await assertLimitHolds(base, freshAddress);
    });
  });

  it('honours X-Forwarded-Host/-Proto/-Prefix from a listed proxy (loopback)', async () => {
    await withIssuer({ TRUST_PROXY: 'loopback' }, async (base) => {
      assert.equal(await credentialIssuer(base, { 'x-forwarded-host': 'issuer.example', 'x-forwarded-proto': 'https', 'x-forwarded-prefix': '/lab' }), 'https://issuer.example/lab');
      // The proxy appends the real client: that one is counted, whatever the client put before it.
      await assertLimitHolds(base, () => `${freshAddress()}, 203.0.113.8`);
    });
  });
});

describe('TRUST_PROXY values', () => {
  it('reads off, hop counts (true = 1) and address lists, and refuses a bad address at boot', () => {
    const read = (v: string) => loadConfig({ TRUST_PROXY: v }).trustProxy;
    assert.equal(read(''), false);
    assert.equal(read('0'), false);
    assert.equal(read('false'), false);
    assert.deepEqual(read('true'), { hops: 1 });
    assert.deepEqual(read('1'), { hops: 1 });
    assert.deepEqual(read('2'), { hops: 2 });
    assert.deepEqual(read('loopback, 10.0.0.0/8 ,::1'), { proxies: ['loopback', '10.0.0.0/8', '::1'] });
    assert.throws(() => read('10.0.0.0/33'), (e: unknown) => e instanceof ConfigError && /TRUST_PROXY/.test((e as Error).message));
    assert.throws(() => read('proxy.example'), (e: unknown) => e instanceof ConfigError && /TRUST_PROXY/.test((e as Error).message));
  });

  it('warns at start when a hop count trusts whatever connects to a non-loopback address', () => {
    assert.match(hopCountWarning(loadConfig({ TRUST_PROXY: '1', HOST: '0.0.0.0' })) ?? '', /TRUST_PROXY=1 trusts/);
    assert.equal(hopCountWarning(loadConfig({ TRUST_PROXY: '1', HOST: '127.0.0.1' })), undefined);
    assert.equal(hopCountWarning(loadConfig({ TRUST_PROXY: '10.0.0.5', HOST: '0.0.0.0' })), undefined);
  });
});

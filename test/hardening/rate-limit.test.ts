import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/** Per-address rate limits at the token and nonce endpoints, counted in the database. */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'true' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

async function token(address: string) {
  const res = await fetch(`${issuer.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': address },
    body: new URLSearchParams({ grant_type: GRANT, 'pre-authorized_code': 'guess' }).toString(),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any, id: res.headers.get('x-request-id') };
}

it('answers 429 with Retry-After once an address exceeds the limit, per address and endpoint', async () => {
  // The minute window may roll over mid-test; retry the whole sequence once if it did.
  for (let attempt = 0; attempt < 2; attempt++) {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await token('203.0.113.7'));
    if (results.slice(0, 5).some((r) => r.status === 429)) continue;
    assert.deepEqual(results.slice(0, 5).map((r) => r.body.error), Array(5).fill('invalid_grant'));
    const limited = results[5];
    if (limited.status !== 429) continue; // window rolled over between requests
    assert.equal(limited.body.error, 'invalid_request');
    assert.ok(Number(limited.retryAfter) >= 1 && Number(limited.retryAfter) <= 60);
    // Another address is not affected, nor is the same address at another endpoint.
    assert.equal((await token('198.51.100.9')).status, 400);
    const nonce = await fetch(`${issuer.baseUrl}/nonce`, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.7' } });
    assert.equal(nonce.status, 200);
    // The refusal is in the unbound log with its diagnostic, and the address is not kept.
    const logs = await admin(issuer, 'GET', '/unbound_requests/logs?level=error&limit=200');
    const entry = logs.body.logs.find((l: any) => l.request_id === limited.id);
    assert.equal(entry.data.code, 'request.rate_limited');
    assert.ok(!JSON.stringify(logs.body).includes('203.0.113.7'));
    return;
  }
  assert.fail('could not observe the limit within one window');
});

it('does not limit the admin API or count other flows against a fresh address', async () => {
  const offer = await w.createOffer(issuer);
  const res = await fetch(`${issuer.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '192.0.2.44' },
    body: new URLSearchParams({ grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer) }).toString(),
  });
  assert.equal(res.status, 200);
});

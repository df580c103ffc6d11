import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ADMIN_TOKEN, startInProcess, type InProcessIssuer } from './in-process.js';

/**
 * The dashboard sign-in is limited per client address (RATE_LIMIT_SIGNIN_PER_MINUTE), counted
 * in the database like the wallet endpoints' limits. Every attempt counts, so once an address
 * is over the limit even the right token is refused until the window ends: guessing gets a
 * fixed number of tries per minute.
 */

let issuer: InProcessIssuer;
before(async () => {
  issuer = await startInProcess({ RATE_LIMIT_SIGNIN_PER_MINUTE: '3' });
});
after(async () => issuer.close());

const signIn = (token: string, remoteAddress: string) =>
  issuer.app.inject({
    method: 'POST',
    url: '/ui/sign-in',
    remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token }).toString(),
  });

it('answers 429 with Retry-After after RATE_LIMIT_SIGNIN_PER_MINUTE attempts, even for the right token, per address', async () => {
  // The minute window may roll over mid-sequence; the sequence is retried once if it did.
  for (let attempt = 0; attempt < 2; attempt++) {
    const address = `203.0.113.${10 + attempt}`;
    const wrong = [];
    for (let i = 0; i < 3; i++) wrong.push((await signIn('not-the-admin-token', address)).statusCode);
    if (wrong.some((s) => s !== 401)) continue;
    const limited = await signIn(ADMIN_TOKEN, address);
    if (limited.statusCode !== 429) continue;
    assert.equal(limited.headers['set-cookie'], undefined, 'no session cookie past the limit');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']}`);
    assert.match(limited.body, /Too many sign-in attempts/);
    // Another address signs in normally.
    const other = await signIn(ADMIN_TOKEN, '198.51.100.20');
    assert.equal(other.statusCode, 303);
    assert.match(String(other.headers['set-cookie']), /il_dashboard=/);
    return;
  }
  assert.fail('could not observe the sign-in limit within one window');
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * A dashboard cookie that is not valid percent-encoding (`il_dashboard=%`) is read as no
 * sign-in at all: the sign-in page, a redirect to it, or 401 — never a 500, and nothing in the
 * process log (no stack trace for a client's typo). Over a real socket, against the real process.
 */

const MALFORMED = ['%', '%E0%A4%A', '1.%zz', '%%%'];

describe('a malformed dashboard cookie is treated as signed out', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' } });
  });
  after(async () => {
    await issuer?.stop();
    issuer?.cleanup();
  });

  it('shows the sign-in page, redirects pages to it and refuses forms, without a 500 or a stack in the log', async () => {
    const logBefore = issuer.output().length;
    for (const value of MALFORMED) {
      const cookie = `il_dashboard=${value}`;
      const root = await fetch(`${issuer.baseUrl}/`, { headers: { cookie } });
      assert.equal(root.status, 200, `GET / with ${cookie}`);
      assert.match(await root.text(), /name="token"/, 'the sign-in form');

      const page = await fetch(`${issuer.baseUrl}/ui/offers/new`, { headers: { cookie }, redirect: 'manual' });
      assert.equal(page.status, 303, `GET /ui/offers/new with ${cookie}`);
      assert.equal(page.headers.get('location'), '/');
      await page.arrayBuffer();

      const form = await fetch(`${issuer.baseUrl}/ui/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=x', redirect: 'manual' });
      assert.equal(form.status, 401, `POST /ui/sign-out with ${cookie}`);
      await form.arrayBuffer();
    }
    const log = issuer.output().slice(logBefore);
    assert.doesNotMatch(log, /URIError|"level":50|\n\s+at /, `the process log got an error: ${log.slice(0, 500)}`);
  });
});

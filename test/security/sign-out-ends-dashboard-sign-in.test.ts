import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { startIssuerPair, type IssuerPair, type RunningIssuer } from '../helpers/server.js';

/**
 * Sign-out ends the dashboard sign-in on the server, not only in the browser: a copy of the
 * cookie (another tab's jar, a proxy log) stops opening pages and posting forms at once, on
 * every instance of the database, while another sign-in stays valid. On SQLite and on
 * PostgreSQL, where the copy is tried at a second instance.
 */

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`sign-out ends the dashboard sign-in (${backend})`, () => {
    /** Where the wallet goes, and where what it did is checked (a second instance on PostgreSQL). */
    let issuer: RunningIssuer;
    let elsewhere: RunningIssuer;
    let pair: IssuerPair | undefined;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('sign_out') : undefined;
      pair = await startIssuerPair({ RATE_LIMIT_PER_MINUTE: '0' }, db?.url);
      ({ issuer, elsewhere } = pair);
    });
    after(async () => {
      await pair?.stop();
      await db?.drop();
    });

    const signIn = async () => {
      const res = await fetch(`${issuer.baseUrl}/ui/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${issuer.adminToken}` });
      assert.equal(res.status, 303);
      return (res.headers.get('set-cookie') ?? '').split(';')[0];
    };
    const page = async (at: RunningIssuer, cookie: string) => {
      const res = await fetch(`${at.baseUrl}/ui/offers/new`, { headers: { cookie }, redirect: 'manual' });
      const text = await res.text();
      return { status: res.status, location: res.headers.get('location'), csrf: /name="csrf" value="([^"]+)"/.exec(text)?.[1] };
    };
    const createOffer = (at: RunningIssuer, cookie: string, csrf: string) =>
      fetch(`${at.baseUrl}/ui/offers`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ credential_configuration_ids: 'eu.europa.ec.eudi.pid_vc_sd_jwt', grant: 'pre_authorized_code', csrf }).toString(),
      });

    it('refuses the signed-out cookie for pages and forms everywhere, and keeps another sign-in valid', async () => {
      const cookie = await signIn();
      const other = await signIn();
      assert.notEqual(cookie, other, 'each sign-in has its own cookie');
      const open = await page(elsewhere, cookie);
      assert.equal(open.status, 200, 'the cookie works before sign-out');
      assert.ok(open.csrf);

      const out = await fetch(`${issuer.baseUrl}/ui/sign-out`, { method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `csrf=${encodeURIComponent(open.csrf)}` });
      assert.equal(out.status, 303);
      assert.match(out.headers.get('set-cookie') ?? '', /Max-Age=0/);

      const after = await page(elsewhere, cookie);
      assert.equal(after.status, 303, 'a page with the signed-out cookie goes to sign-in');
      assert.equal(after.location, '/');
      const root = await (await fetch(`${elsewhere.baseUrl}/`, { headers: { cookie } })).text();
      assert.match(root, /name="token"/, 'the root shows the sign-in form');
      const form = await createOffer(elsewhere, cookie, open.csrf);
      assert.equal(form.status, 401, 'a form with the signed-out cookie and its old CSRF token');
      await form.arrayBuffer();

      const stillOpen = await page(elsewhere, other);
      assert.equal(stillOpen.status, 200, 'another sign-in is not ended');
      const created = await createOffer(elsewhere, other, stillOpen.csrf!);
      assert.ok(created.status < 400, `the other sign-in posts forms: ${created.status}`);
      await created.arrayBuffer();
    });
  });
}

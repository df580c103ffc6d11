import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, signIn, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { openStream, parseEventStream } from '../helpers/sse.js';
import * as w from '../helpers/wallet.js';

/**
 * What a wallet sends ends up in the live views (session page, share link, unbound requests,
 * admin API stream). A raw CR in a JSON string is a line break to an EventSource: unencoded, a
 * wallet could end the data line and add `event:`/`id:` fields of its own to an operator's
 * dashboard. Each stream is read as a browser reads it; no injected field may appear, and the
 * wallet's text still arrives (as data). Viewing pages and streams leaves the process log clean.
 */

const INJECTION = 'x\revent: injected\rid: forged\rdata: <img src=x>\r\rretry: 1\r';

function runOn(label: string, env: () => Record<string, string>) {
  describe(`SSE data cannot inject fields (${label})`, () => {
    let issuer: RunningIssuer;
    before(async () => {
      issuer = await startIssuer({ env: env() });
    });
    after(async () => {
      await issuer.stop();
      issuer.cleanup();
    });

    it('a wallet-controlled CR reaches every stream as data only, and the process log stays clean', async () => {
      const cookie = await signIn(issuer);
      const offer = await w.createOffer(issuer);
      const share = await admin(issuer, 'POST', `/sessions/${offer.session_id}/share`, {});
      assert.equal(share.status, 201);
      // The pages first: viewing them once logged "Reply was already sent" with a stack.
      for (const [url, headers] of [[`${issuer.baseUrl}/ui/sessions/${offer.session_id}`, { cookie }], [share.body.url, {}], [`${issuer.baseUrl}/ui/unbound`, { cookie }]] as const) {
        const page = await fetch(url, { headers });
        assert.equal(page.status, 200, url);
        await page.text();
      }
      const streams = {
        dashboard: await openStream(`${issuer.baseUrl}/ui/sessions/${offer.session_id}/stream`, { cookie }),
        share: await openStream(`${share.body.url}/stream`),
        api: await openStream(`${issuer.baseUrl}/sessions/${offer.session_id}/stream`, { authorization: `Bearer ${issuer.adminToken}` }),
        unbound: await openStream(`${issuer.baseUrl}/ui/unbound/stream`, { cookie }),
      };
      for (const [name, s] of Object.entries(streams)) assert.equal(s.status, 200, name);
      await Promise.all(Object.values(streams).map((s) => s.until((t) => t.includes('stream open'))));

      const token = await w.redeem(issuer, offer);
      const refused = await w.credentialRequest(issuer, token, { credential_configuration_id: INJECTION, proofs: { jwt: ['a.b.c'] } });
      assert.equal(refused.status, 400, refused.text);
      const stray = await fetch(`${issuer.baseUrl}/no-such-route`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: INJECTION }) });
      assert.equal(stray.status, 404);

      // The refused request lands on the session streams, the stray one on the unbound stream.
      const wallet = /event: injected|credential_configuration_id/;
      for (const name of ['dashboard', 'share', 'api'] as const) await streams[name].until((t) => t.includes('credential.configuration.unknown') && wallet.test(t));
      await streams.unbound.until((t) => t.includes('no-such-route'));
      for (const [name, s] of Object.entries(streams)) {
        s.close();
        const events = parseEventStream(s.text());
        assert.ok(events.length > 0, name);
        assert.deepEqual(events.filter((e) => !['log', 'request', 'event', 'state', 'timeline', 'fragments', 'ping'].includes(e.event)), [], `${name}: only the server's own events`);
        assert.ok(!events.some((e) => e.id === 'forged'), `${name}: no forged id`);
        assert.ok(!/\r/.test(s.text()), `${name}: no raw CR on the wire`);
      }
      const log = issuer.output();
      assert.doesNotMatch(log, /already sent/i);
      assert.doesNotMatch(log, /"level":(50|60)/);
      assert.doesNotMatch(log, /"stack"/);
    });
  });
}

runOn('SQLite', () => ({}));
let db: TestDatabase;
before(async () => {
  db = await createTestDatabase('sse_fields');
});
after(async () => {
  await db?.drop();
});
runOn('PostgreSQL', () => ({ DATABASE_URL: db.url }));

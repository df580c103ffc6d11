import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * A pre-authorized code protected by a tx_code is single-use like any other: the check of the
 * tx_code must not open a second way to redeem it. The right tx_code a second time gets
 * invalid_grant with token.pre_authorized_code.reused in the session log, and 20 concurrent
 * redemptions with the right tx_code yield one token. On SQLite and PostgreSQL.
 */

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const withTxCode = { grants: { pre_authorized_code: { tx_code: true } } };

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`a tx_code-protected pre-authorized code redeems once (${backend})`, () => {
    let issuer: RunningIssuer;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('tx_code_once') : undefined;
      issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', ...(db ? { DATABASE_URL: db.url } : {}) } });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
      await db?.drop();
    });

    it('answers invalid_grant to the right tx_code a second time, and logs the reuse', async () => {
      const offer = await w.createOffer(issuer, withTxCode);
      assert.ok(offer.tx_code);
      const form = { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer), tx_code: offer.tx_code };
      const first = await w.tokenRequest(issuer, form);
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await w.tokenRequest(issuer, form);
      assert.equal(second.status, 400);
      assert.equal(second.body.error, 'invalid_grant');
      assert.equal(second.body.access_token, undefined);
      const requestId = second.headers.get('x-request-id');
      const logs = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error`)).body.logs;
      const entry = logs.find((l: { request_id: string }) => l.request_id === requestId);
      assert.equal(entry?.data.code, 'token.pre_authorized_code.reused');
    });

    it('gives exactly one token for 20 concurrent redemptions with the right tx_code', async () => {
      const offer = await w.createOffer(issuer, withTxCode);
      const form = { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer), tx_code: offer.tx_code! };
      const results = await Promise.all(Array.from({ length: 20 }, () => w.tokenRequest(issuer, form)));
      assert.equal(results.filter((r) => r.status === 200).length, 1);
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'), JSON.stringify(results.map((r) => r.body.error)));
      const logs = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error`)).body.logs;
      assert.equal(logs.filter((l: { data: { code: string } }) => l.data.code === 'token.pre_authorized_code.reused').length, 19);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * One access token obtains at most CREDENTIALS_PER_ACCESS_TOKEN credentials (default
 * 4 × BATCH_SIZE): a single pre-authorized offer once minted thousands in seconds. Past the
 * bound the credential endpoint answers credential_request_denied with
 * credential.token.credentials_exhausted, also when the requests race. SQLite and PostgreSQL.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const BATCH_SIZE = 2;
const BOUND = 4 * BATCH_SIZE;

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`credentials per access token are bounded (${backend})`, () => {
    let issuer: RunningIssuer;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('credentials_per_token') : undefined;
      issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', BATCH_SIZE: String(BATCH_SIZE), ...(db ? { DATABASE_URL: db.url } : {}) } });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
      await db?.drop();
    });

    /** A request for a full batch: BATCH_SIZE proofs of fresh keys on one fresh c_nonce. */
    const batchRequest = async (accessToken: string) => {
      const nonce = await w.fetchNonce(issuer);
      const proofs = await Promise.all(Array.from({ length: BATCH_SIZE }, async () => w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce })));
      return w.credentialRequest(issuer, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: proofs } });
    };

    it(`issues ${BOUND} credentials to one token (4 × batch_size) and refuses the next request with its diagnostic`, async () => {
      const offer = await w.createOffer(issuer);
      const token = await w.redeem(issuer, offer);
      for (let i = 0; i < BOUND / BATCH_SIZE; i++) {
        const res = await batchRequest(token);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.credentials.length, BATCH_SIZE);
      }
      const over = await batchRequest(token);
      assert.equal(over.status, 400);
      assert.equal(over.body.error, 'credential_request_denied');
      assert.match(over.body.error_description, new RegExp(`may obtain ${BOUND} credential`));
      const session = (await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body;
      const entry = session.logs.find((l: { request_id: string; level: string }) => l.request_id === over.headers.get('x-request-id') && l.level === 'error');
      assert.equal(entry?.data.code, 'credential.token.credentials_exhausted');
      const issued = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/credentials`)).body.credentials;
      assert.equal(issued.length, BOUND);
    });

    it('keeps the bound when 10 batch requests of one token race', async () => {
      const offer = await w.createOffer(issuer);
      const token = await w.redeem(issuer, offer);
      const results = await Promise.all(Array.from({ length: 10 }, () => batchRequest(token)));
      assert.equal(results.filter((r) => r.status === 200).length, BOUND / BATCH_SIZE, JSON.stringify(results.map((r) => r.status)));
      assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'credential_request_denied'));
      const issued = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/credentials`)).body.credentials;
      assert.equal(issued.length, BOUND);
    });
  });
}

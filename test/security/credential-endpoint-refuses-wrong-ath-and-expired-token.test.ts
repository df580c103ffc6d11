import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { dpopProof } from '../helpers/oauth.js';

/**
 * The credential endpoint's token checks, end to end over a socket:
 * - a DPoP proof whose `ath` is the hash of another access token (RFC 9449 §4.3, §7.1) is
 *   refused, although it is signed by the right key — the proof must be bound to this token;
 * - a plain access token past its lifetime (ACCESS_TOKEN_TTL_SECONDS, the server's own clock;
 *   no fault switch) is refused with invalid_token and credential.token.expired.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const TTL_SECONDS = 5;

async function codesOf(issuer: RunningIssuer, sessionId: string, requestId: string | null): Promise<string[]> {
  const session = (await admin(issuer, 'GET', `/sessions/${sessionId}`)).body;
  return session.logs.filter((l: { request_id: string }) => l.request_id === requestId).map((l: { data?: { code?: string } }) => l.data?.code);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`credential endpoint token checks (${backend})`, () => {
    let issuer: RunningIssuer;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('credential_token_checks') : undefined;
      issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0', ACCESS_TOKEN_TTL_SECONDS: String(TTL_SECONDS), ...(db ? { DATABASE_URL: db.url } : {}) } });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
      await db?.drop();
    });

    const credentialUrl = () => `${issuer.baseUrl}/credential`;
    const body = async (key: w.HolderKey) => ({
      credential_configuration_id: CONFIG,
      proofs: { jwt: [await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) })] },
    });
    /** A DPoP-bound token for `key` from a fresh pre-authorized offer. */
    const boundToken = async (key: w.HolderKey) => {
      const offer = await w.createOffer(issuer);
      const res = await w.tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': w.preAuthorizedCode(offer) }, { dpop: await dpopProof(key, { htu: `${issuer.baseUrl}/token` }) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.token_type, 'DPoP');
      return { sessionId: offer.session_id, accessToken: res.body.access_token as string };
    };

    it('refuses a DPoP proof of the right key whose ath is the hash of another access token', async () => {
      const key = await w.newHolderKey();
      const mine = await boundToken(key);
      const other = await boundToken(key);
      const wrongAth = await w.credentialRequest(issuer, mine.accessToken, await body(key), {
        authorization: `DPoP ${mine.accessToken}`,
        dpop: await dpopProof(key, { htu: credentialUrl(), accessToken: other.accessToken }),
      });
      assert.equal(wrongAth.status, 401);
      assert.equal(wrongAth.body.error, 'invalid_dpop_proof');
      assert.match(wrongAth.headers.get('www-authenticate') ?? '', /^DPoP error="invalid_dpop_proof"/);
      assert.ok((await codesOf(issuer, mine.sessionId, wrongAth.headers.get('x-request-id'))).includes('dpop.proof.ath_mismatch'));

      // The same request with the proof bound to this token is served: only ath was wrong.
      const right = await w.credentialRequest(issuer, mine.accessToken, await body(key), {
        authorization: `DPoP ${mine.accessToken}`,
        dpop: await dpopProof(key, { htu: credentialUrl(), accessToken: mine.accessToken }),
      });
      assert.equal(right.status, 200, right.text);
    });

    it('refuses a plain access token once ACCESS_TOKEN_TTL_SECONDS have passed', async () => {
      const offer = await w.createOffer(issuer);
      const token = await w.tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': w.preAuthorizedCode(offer) });
      assert.equal(token.body.expires_in, TTL_SECONDS);
      const key = await w.newHolderKey();
      const fresh = await w.credentialRequest(issuer, token.body.access_token, await body(key));
      assert.equal(fresh.status, 200, fresh.text);

      await sleep(TTL_SECONDS * 1000 + 200);
      const late = await w.credentialRequest(issuer, token.body.access_token, await body(key));
      assert.equal(late.status, 401);
      assert.equal(late.body.error, 'invalid_token');
      assert.equal(late.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      assert.match(late.body.error_description, /expired/);
      assert.ok((await codesOf(issuer, offer.session_id, late.headers.get('x-request-id'))).includes('credential.token.expired'));
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, startIssuerPair, type IssuerPair, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { CLIENT_ID, codeTokenForm, obtainCode, postForm } from '../helpers/oauth.js';

/**
 * A replayed authorization code or a reused rotated refresh token means the grant's tokens may
 * be in an attacker's hands (RFC 6749 §4.1.2, RFC 9700 §4.14.2): every access and refresh token
 * issued from that grant stops working at once, and /credential says why (invalid_token with
 * credential.token.revoked naming the replay in the session log). On PostgreSQL the replay is
 * sent to one instance and the tokens are tried at another: the revocation is stored, not kept
 * in a process.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

/** Asks for a credential with a fresh proof; the status and, on refusal, the log entry of the request. */
async function useToken(issuer: RunningIssuer, accessToken: string, audience: string) {
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: audience, nonce: await w.fetchNonce(issuer) });
  return w.credentialRequest(issuer, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
}

async function logEntry(issuer: RunningIssuer, sessionId: string, requestId: string | null, code: string) {
  const session = (await admin(issuer, 'GET', `/sessions/${sessionId}`)).body;
  return session.logs.find((l: { request_id: string; data?: { code?: string } }) => l.request_id === requestId && l.data?.code === code);
}

const refresh = (issuer: RunningIssuer, token: string) => postForm(`${issuer.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: token, client_id: CLIENT_ID });

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`a replay revokes every token of its grant (${backend})`, () => {
    /** Where the wallet goes, and where what it did is checked (a second instance on PostgreSQL). */
    let issuer: RunningIssuer;
    let elsewhere: RunningIssuer;
    let pair: IssuerPair | undefined;
    let db: TestDatabase | undefined;
    before(async () => {
      db = backend === 'postgres' ? await createTestDatabase('replay_revokes') : undefined;
      pair = await startIssuerPair({ RATE_LIMIT_PER_MINUTE: '0' }, db?.url);
      ({ issuer, elsewhere } = pair);
    });
    after(async () => {
      await pair?.stop();
      await db?.drop();
    });

    it('a replayed authorization code revokes the access and refresh tokens issued for it', async () => {
      const flow = await obtainCode(issuer);
      const first = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(flow.code, flow.pkce.verifier));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const before = await useToken(elsewhere, first.body.access_token, issuer.baseUrl);
      assert.equal(before.status, 200, before.text);

      const replay = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(flow.code, flow.pkce.verifier));
      assert.equal(replay.status, 400);
      assert.equal(replay.body.error, 'invalid_grant');
      assert.match(replay.body.error_description, /every token issued from it is revoked \(1 live access token\(s\), 1 refresh token\(s\)\)/);

      const refused = await useToken(elsewhere, first.body.access_token, issuer.baseUrl);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_token');
      assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
      assert.match(refused.body.error_description, /authorization code it was issued for was presented again/);
      const entry = await logEntry(elsewhere, flow.offer.session_id, refused.headers.get('x-request-id'), 'credential.token.revoked');
      assert.ok(entry, 'the refusal is in the session log with its diagnostic');
      assert.equal(entry.data.found.reason, 'authorization_code_reused');
      assert.match(entry.data.spec_ref, /^RFC 9700 §4.14/);
      assert.match(entry.data.reason, /presented again/);

      const refreshed = await refresh(elsewhere, first.body.refresh_token);
      assert.equal(refreshed.body.error, 'invalid_grant');
    });

    it('a reused rotated refresh token revokes every access token of the grant, the newest too', async () => {
      const flow = await obtainCode(issuer);
      const first = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(flow.code, flow.pkce.verifier));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await refresh(issuer, first.body.refresh_token);
      assert.equal(second.status, 200, JSON.stringify(second.body));
      assert.equal((await useToken(elsewhere, second.body.access_token, issuer.baseUrl)).status, 200);

      const reused = await refresh(issuer, first.body.refresh_token);
      assert.equal(reused.status, 400);
      assert.equal(reused.body.error, 'invalid_grant');
      assert.match(reused.body.error_description, /every token of its grant is revoked \(2 live access token\(s\), 2 refresh token\(s\)\)/);

      for (const token of [first.body.access_token, second.body.access_token]) {
        const refused = await useToken(elsewhere, token, issuer.baseUrl);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.error, 'invalid_token');
        const entry = await logEntry(elsewhere, flow.offer.session_id, refused.headers.get('x-request-id'), 'credential.token.revoked');
        assert.equal(entry?.data.found.reason, 'refresh_token_reused');
      }
      assert.equal((await refresh(elsewhere, second.body.refresh_token)).body.error, 'invalid_grant');
      const session = (await admin(issuer, 'GET', `/sessions/${flow.offer.session_id}`)).body;
      const revokedEvent = session.events.find((e: { type: string }) => e.type === 'refresh_tokens_revoked');
      assert.equal(revokedEvent?.details.access_tokens, 2);
    });

    it('a pre-authorized token of another session keeps working', async () => {
      const offer = await w.createOffer(issuer);
      const token = await w.redeem(issuer, offer);
      assert.equal((await useToken(elsewhere, token, issuer.baseUrl)).status, 200);
    });
  });
}

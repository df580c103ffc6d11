import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Durability: SIGKILL the issuer in the middle of load, start it again on the same data.
 * Every credential a wallet received is on its session, no pre-authorized code or c_nonce
 * becomes redeemable twice, and the database opens cleanly.
 */

let issuer: RunningIssuer;
after(async () => {
  await issuer?.stop();
  issuer?.cleanup();
});

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

interface Completed {
  sessionId: string;
  code: string;
  nonce: string;
  digest: string;
}

it('keeps every returned credential and every single-use guarantee across a SIGKILL', async () => {
  issuer = await startIssuer();
  const completed: Completed[] = [];
  const redeemedCodes: string[] = [];
  let stop = false;

  async function wallet(): Promise<void> {
    while (!stop) {
      try {
        const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
        const code = w.preAuthorizedCode(offer);
        const token = await w.redeem(issuer, offer);
        redeemedCodes.push(code);
        const nonce = await w.fetchNonce(issuer);
        const key = await w.newHolderKey();
        const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce });
        const res = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
        if (res.status === 200) {
          const digest = createHash('sha256').update(res.body.credentials[0].credential).digest('base64url');
          completed.push({ sessionId: offer.session_id, code, nonce, digest });
        }
      } catch {
        return; // the server died under us: that is the point of the test
      }
    }
  }

  const wallets = Array.from({ length: 8 }, () => wallet());
  // Let some flows complete, then kill without warning while requests are in flight.
  while (completed.length < 15) await new Promise((r) => setTimeout(r, 20));
  issuer.process.kill('SIGKILL');
  stop = true;
  await Promise.all(wallets);
  while (issuer.process.exitCode === null && issuer.process.signalCode === null) await new Promise((r) => setTimeout(r, 10));
  assert.ok(completed.length >= 15);

  issuer = await issuer.restart();
  assert.match(issuer.output(), /listening on/);

  for (const c of completed) {
    const session = await admin(issuer, 'GET', `/sessions/${c.sessionId}`);
    assert.equal(session.status, 200);
    const digests = session.body.issued_credentials.map((i: any) => i.credential_sha256);
    assert.ok(digests.includes(c.digest), `credential of ${c.sessionId} is not on record`);
    assert.equal(session.body.state, 'credential_issued');
  }
  for (const code of redeemedCodes) {
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': code });
    assert.equal(res.body.error, 'invalid_grant', 'a redeemed code must stay redeemed after the crash');
  }
  // A used nonce stays used.
  const fresh = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
  const token = await w.redeem(issuer, fresh);
  const proof = await w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce: completed[0].nonce });
  const replay = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(replay.body.error, 'invalid_nonce');
  console.log(`kill/restart summary: ${completed.length} credentials returned before SIGKILL, all on record after restart; ${redeemedCodes.length} redeemed codes and a used c_nonce still refused`);
});

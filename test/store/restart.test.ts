import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/** Everything lives in the SQLite file under DATA_DIR: offers, codes, keys survive a restart. */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

it('redeems after a restart an offer created before it, signed by the same key', async () => {
  const offer = await w.createOffer(issuer, { grants: { pre_authorized_code: { tx_code: true } } });
  const jwksBefore = await (await fetch(`${issuer.baseUrl}/jwks`)).json();
  issuer = await issuer.restart();
  assert.doesNotMatch(issuer.output(), /Generated issuer key/);
  assert.deepEqual(await (await fetch(`${issuer.baseUrl}/jwks`)).json(), jwksBefore);

  const accessToken = await w.redeem(issuer, offer);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);

  const session = await admin(issuer, 'GET', `/sessions/${offer.session_id}`);
  assert.equal(session.body.state, 'credential_issued');
  assert.deepEqual(
    session.body.events.map((e: any) => e.type),
    ['offer_created', 'token_exchanged', 'credential_issued'],
  );
});

it('lists sessions with filters and pagination', async () => {
  const a = await w.createOffer(issuer, { credential_configuration_ids: ['org.iso.18013.5.1.mDL'] });
  await w.createOffer(issuer, { credential_configuration_ids: ['org.iso.18013.5.1.mDL'] });
  const page = await admin(issuer, 'GET', '/sessions?credential_configuration_id=org.iso.18013.5.1.mDL&limit=1');
  assert.equal(page.body.total, 2);
  assert.equal(page.body.sessions.length, 1);
  const byState = await admin(issuer, 'GET', '/sessions?state=credential_issued');
  assert.ok(byState.body.sessions.every((s: any) => s.state === 'credential_issued'));
  assert.ok(byState.body.sessions.length >= 1);
  const future = await admin(issuer, 'GET', `/sessions?created_after=${new Date(Date.now() + 60_000).toISOString()}`);
  assert.equal(future.body.total, 0);
  assert.ok(!JSON.stringify(page.body).includes(w.preAuthorizedCode(a)));
});

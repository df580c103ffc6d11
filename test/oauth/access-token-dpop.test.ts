import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyAccessToken } from '../../src/protocol/oauth/access-token.js';
import { createDpopNonce } from '../../src/protocol/oauth/dpop-nonce.js';
import { RequestRecorder } from '../../src/session-log/request-recorder.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { dpopProof, jkt, newHolderKey } from '../helpers/oauth.js';

/**
 * verifyAccessToken hands back the DPoP proof it verified (key thumbprint, server nonce), so
 * what comes after it (the require_dpop_nonce fault of the credential endpoint) reads the
 * verified proof instead of decoding the header again. Real app, real tokens and proofs.
 */
describe('verifyAccessToken returns the verified DPoP proof', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab();
  });
  after(async () => lab.close());

  const credentialUrl = () => `${lab.issuer}/credential`;
  const recorder = () => new RequestRecorder(lab.deps.clock, 'req_test', 'credential');

  it('a DPoP-bound token: the proof key and its server nonce', async () => {
    const key = await newHolderKey();
    const offer = await lab.offer({ require_dpop: true });
    const token = await lab.redeem(offer, {});
    assert.equal(token.status, 400, 'require_dpop refuses a token request without DPoP');
    const bound = await lab.token(
      { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': offer.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'] },
      { dpop: await dpopProof(key, { htu: `${lab.issuer}/token` }) },
    );
    assert.equal(bound.status, 200, JSON.stringify(bound.body));
    const accessToken = bound.body.access_token as string;
    const nonce = createDpopNonce(lab.deps);
    const proof = await dpopProof(key, { htu: credentialUrl(), accessToken, nonce });
    const verified = await verifyAccessToken(lab.deps, `DPoP ${accessToken}`, recorder(), { header: proof, method: 'POST', url: credentialUrl() });
    assert.equal(verified.sessionId, offer.session_id);
    assert.deepEqual(verified.dpop, { jkt: await jkt(key), alg: 'ES256', nonce });

    const withoutNonce = await dpopProof(key, { htu: credentialUrl(), accessToken });
    const again = await verifyAccessToken(lab.deps, `DPoP ${accessToken}`, recorder(), { header: withoutNonce, method: 'POST', url: credentialUrl() });
    assert.deepEqual(again.dpop, { jkt: await jkt(key), alg: 'ES256' });
  });

  it('a bearer token: no DPoP proof', async () => {
    const offer = await lab.offer();
    const token = await lab.redeem(offer);
    assert.equal(token.status, 200);
    const verified = await verifyAccessToken(lab.deps, `Bearer ${token.body.access_token}`, recorder(), { header: undefined, method: 'POST', url: credentialUrl() });
    assert.equal(verified.sessionId, offer.session_id);
    assert.equal(verified.dpop, null);
  });
});

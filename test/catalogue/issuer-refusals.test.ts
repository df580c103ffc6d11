import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../src/core/clock.js';
import { PRE_AUTH, startLab, type Lab, type Reply } from '../helpers/lab.js';
import { newHolderKey, signProof } from '../helpers/wallet.js';

/**
 * Catalogue coverage for the pre-authorized flow: every refusal of the offer, token
 * and credential endpoints that no other test pins down, each asserted by its wire error and
 * the diagnostic code logged for that very request.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const MDL = 'org.iso.18013.5.1.mDL';
let lab: Lab;
before(async () => {
  lab = await startLab({ BODY_LIMIT_BYTES: '16384' });
});
after(async () => {
  await lab.close();
});

async function refused(res: Reply, status: number, error: string, code: string, sessionId?: string): Promise<void> {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.ok((await lab.requestCodes(res.headers['x-request-id'], sessionId)).includes(code), `${code} logged for the request`);
}

async function withToken(offerBody: Record<string, unknown> = {}, tokenExtra: Record<string, string> = {}) {
  const offer = await lab.offer(offerBody);
  const token = await lab.redeem(offer, tokenExtra);
  assert.equal(token.status, 200, JSON.stringify(token.body));
  return { offer, token: token.body, sessionId: offer.session_id as string };
}

const proofFor = async (nonce?: string) => signProof(await newHolderKey(), { aud: lab.issuer, nonce: nonce ?? (await lab.nonce()) });

describe('request shape', () => {
  it('request.body.too_large: 413 for a body over BODY_LIMIT_BYTES', async () => {
    const res = await lab.credential('x', JSON.stringify({ padding: 'a'.repeat(20_000) }));
    await refused(res, 413, 'invalid_request', 'request.body.too_large');
  });

  it('request.content_type.unsupported: JSON at the token endpoint', async () => {
    const res = await lab.token({}, { 'content-type': 'application/json' });
    await refused(res, 400, 'invalid_request', 'request.content_type.unsupported');
  });
});

describe('credential offer', () => {
  it('offer.unknown: 404 for an offer id never issued', async () => {
    const r = await lab.get('/credential_offers/off_not_an_offer');
    assert.equal(r.status, 404);
    assert.ok((await lab.requestCodes(r.headers['x-request-id'])).includes('offer.unknown'));
  });

  it('offer.already_redeemed: 410 once the offer was exchanged for a token', async () => {
    const { offer, sessionId } = await withToken();
    const r = await lab.get(new URL(offer.credential_offer_uri).pathname);
    assert.equal(r.status, 410);
    assert.ok((await lab.requestCodes(r.headers['x-request-id'], sessionId)).includes('offer.already_redeemed'));
  });
});

describe('token endpoint (pre-authorized code)', () => {
  it('token.grant_type.missing and token.grant_type.unsupported', async () => {
    await refused(await lab.token({ 'pre-authorized_code': 'x' }), 400, 'invalid_request', 'token.grant_type.missing');
    await refused(await lab.token({ grant_type: 'password' }), 400, 'unsupported_grant_type', 'token.grant_type.unsupported');
  });

  it('token.parameter.duplicated: a parameter sent twice', async () => {
    await refused(await lab.form('/token', `grant_type=${encodeURIComponent(PRE_AUTH)}&grant_type=authorization_code`), 400, 'invalid_request', 'token.parameter.duplicated');
  });

  it('token.pre_authorized_code.missing', async () => {
    await refused(await lab.token({ grant_type: PRE_AUTH }), 400, 'invalid_request', 'token.pre_authorized_code.missing');
  });

  it('token.tx_code.missing and token.tx_code.unexpected', async () => {
    const asked = await lab.offer({ grants: { pre_authorized_code: { tx_code: true } } });
    const { tx_code: _code, ...noCode } = asked;
    await refused(await lab.redeem(noCode), 400, 'invalid_request', 'token.tx_code.missing', asked.session_id);
    const plain = await lab.offer();
    await refused(await lab.redeem(plain, { tx_code: '123456' }), 400, 'invalid_request', 'token.tx_code.unexpected', plain.session_id);
  });

  it('token.authorization_details.malformed and token.authorization_details.not_offered', async () => {
    const a = await lab.offer();
    await refused(await lab.redeem(a, { authorization_details: 'not json' }), 400, 'invalid_authorization_details', 'token.authorization_details.malformed', a.session_id);
    const b = await lab.offer();
    const details = JSON.stringify([{ type: 'openid_credential', credential_configuration_id: MDL }]);
    await refused(await lab.redeem(b, { authorization_details: details }), 400, 'invalid_authorization_details', 'token.authorization_details.not_offered', b.session_id);
  });
});

describe('credential endpoint: token and request', () => {
  it('credential.token.missing: no Authorization header', async () => {
    const r = await lab.app.inject({ method: 'POST', url: '/credential', headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(r.statusCode, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer');
    assert.ok((await lab.requestCodes(r.headers['x-request-id'])).includes('credential.token.missing'));
  });

  it('credential.request.content_type: a body that is not application/json', async () => {
    const { token, sessionId } = await withToken();
    await refused(await lab.credential(token.access_token, '{}', { 'content-type': 'text/plain' }), 400, 'invalid_credential_request', 'credential.request.content_type', sessionId);
  });

  it('credential.request.no_identifier: neither an identifier nor a (draft) format', async () => {
    const { token, sessionId } = await withToken();
    await refused(await lab.credential(token.access_token, { proofs: { jwt: [await proofFor()] } }), 400, 'invalid_credential_request', 'credential.request.no_identifier', sessionId);
  });

  it('credential.request.both_identifiers and credential.identifier.unknown', async () => {
    const { token, sessionId } = await withToken();
    await refused(await lab.credential(token.access_token, { credential_identifier: 'a', credential_configuration_id: SD_JWT, proofs: { jwt: [await proofFor()] } }), 400, 'invalid_credential_request', 'credential.request.both_identifiers', sessionId);
    await refused(await lab.credential(token.access_token, { credential_identifier: 'not-issued', proofs: { jwt: [await proofFor()] } }), 400, 'unknown_credential_identifier', 'credential.identifier.unknown', sessionId);
  });

  it('credential.request.configuration_id_with_identifiers: served with a warning when the token response had credential_identifiers', async () => {
    const details = JSON.stringify([{ type: 'openid_credential', credential_configuration_id: SD_JWT }]);
    const { token, sessionId } = await withToken({}, { authorization_details: details });
    assert.equal(token.authorization_details[0].credential_identifiers.length, 1);
    const res = await lab.credential(token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await proofFor()] } });
    assert.equal(res.status, 200);
    assert.ok((await lab.requestCodes(res.headers['x-request-id'], sessionId)).includes('credential.request.configuration_id_with_identifiers'));
  });
});

describe('credential endpoint: proofs', () => {
  it('credential.proofs.missing, credential.proofs.shape and credential.proofs.type_unsupported', async () => {
    const { token, sessionId } = await withToken();
    await refused(await lab.credential(token.access_token, { credential_configuration_id: SD_JWT }), 400, 'invalid_proof', 'credential.proofs.missing', sessionId);
    await refused(await lab.credential(token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await proofFor()], ldp_vp: [{}] } }), 400, 'invalid_credential_request', 'credential.proofs.shape', sessionId);
    await refused(await lab.credential(token.access_token, { credential_configuration_id: SD_JWT, proofs: { ldp_vp: [{}] } }), 400, 'invalid_proof', 'credential.proofs.type_unsupported', sessionId);
  });

  it('credential.proofs.batch_too_large: more proofs than batch_size', async () => {
    const { token, sessionId } = await withToken();
    const proof = await proofFor();
    const proofs = Array.from({ length: lab.deps.config.batchSize + 1 }, () => proof);
    await refused(await lab.credential(token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: proofs } }), 400, 'invalid_credential_request', 'credential.proofs.batch_too_large', sessionId);
  });

  it('proof.jwt.nonce_mismatch_in_batch: two proofs with different c_nonces', async () => {
    const { token, sessionId } = await withToken();
    const proofs = [await proofFor(await lab.nonce()), await proofFor(await lab.nonce())];
    await refused(await lab.credential(token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: proofs } }), 400, 'invalid_proof', 'proof.jwt.nonce_mismatch_in_batch', sessionId);
  });
});

describe('credential endpoint: issuance', () => {
  it('credential.issuance.failed: the document signer certificate has expired, so no validity is left', async () => {
    const clock = fixedClock(Date.now());
    const late = await startLab({}, clock);
    try {
      clock.advance(late.deps.keys.signer.certificateNotAfter.getTime() - clock.nowMs() + 86_400_000);
      const offer = await late.offer({ credential_configuration_ids: [MDL] });
      const token = (await late.redeem(offer)).body.access_token;
      const proof = await signProof(await newHolderKey(), { aud: late.issuer, nonce: await late.nonce(), iat: Math.floor(clock.nowMs() / 1000) });
      const res = await late.credential(token, { credential_configuration_id: MDL, proofs: { jwt: [proof] } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.error, 'credential_request_denied');
      assert.ok((await late.requestCodes(res.headers['x-request-id'], offer.session_id)).includes('credential.issuance.failed'));
    } finally {
      await late.close();
    }
  });
});

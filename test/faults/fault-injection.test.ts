import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fixedClock } from '../../src/core/clock.js';
import { dpopProof } from '../helpers/oauth.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { newHolderKey, signProof } from '../helpers/wallet.js';

/**
 * Fault switches per offer: each one makes its session refuse exactly what
 * it says, with the catalogue's diagnostic and a fault_injected event, and a wallet that handles
 * the error correctly gets its credential afterwards.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab.close();
});

async function faultEvents(sessionId: string): Promise<string[]> {
  const events = (await lab.admin('GET', `/sessions/${sessionId}/events`)).body.events as any[];
  return events.filter((e) => e.type === 'fault_injected').map((e) => e.details.fault);
}

describe('reject_first_nonce', () => {
  it('refuses the first credential request with invalid_nonce and uses its c_nonce up; a fresh c_nonce works', async () => {
    const offer = await lab.offer({ reject_first_nonce: true });
    const token = (await lab.redeem(offer)).body.access_token;
    const key = await newHolderKey();
    const nonce = await lab.nonce();
    const first = await lab.credential(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(key, { aud: lab.issuer, nonce })] } });
    assert.equal(first.status, 400);
    assert.equal(first.body.error, 'invalid_nonce');
    assert.ok((await lab.codes(offer.session_id)).includes('fault.nonce.rejected_first'));
    assert.deepEqual(await faultEvents(offer.session_id), ['reject_first_nonce']);
    const sameNonce = await lab.credential(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(key, { aud: lab.issuer, nonce })] } });
    assert.equal(sameNonce.body.error, 'invalid_nonce', 'the refused c_nonce is used up');
    assert.ok((await lab.codes(offer.session_id)).includes('proof.jwt.nonce_unknown'));
    const retry = await lab.credential(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(key, { aud: lab.issuer, nonce: await lab.nonce() })] } });
    assert.equal(retry.status, 200, JSON.stringify(retry.body));
    assert.deepEqual(await faultEvents(offer.session_id), ['reject_first_nonce'], 'fires once per session');
  });
});

describe('tx_code_failure', () => {
  it('reject_first: the first, right tx_code is refused without counting an attempt; the second goes through', async () => {
    const offer = await lab.offer({ grants: { pre_authorized_code: { tx_code: true } }, tx_code_failure: 'reject_first' });
    const first = await lab.redeem(offer);
    assert.equal(first.status, 400);
    assert.equal(first.body.error, 'invalid_grant');
    assert.ok((await lab.codes(offer.session_id)).includes('fault.tx_code.rejected_first'));
    const second = await lab.redeem(offer);
    assert.equal(second.status, 200, JSON.stringify(second.body));
  });

  it('burn: the first wrong tx_code burns the pre-authorized code', async () => {
    const offer = await lab.offer({ grants: { pre_authorized_code: { tx_code: true } }, tx_code_failure: 'burn' });
    const wrong = await lab.redeem({ ...offer, tx_code: offer.tx_code === '000000' ? '111111' : '000000' });
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.ok((await lab.codes(offer.session_id)).includes('token.pre_authorized_code.burnt'));
    assert.equal((await lab.redeem(offer)).body.error, 'invalid_grant', 'even the right code is refused now');
  });

  it('needs an offer with a tx_code', async () => {
    const res = await lab.admin('POST', '/credential_offers', { credential_configuration_ids: [SD_JWT], tx_code_failure: 'burn' });
    assert.equal(res.status, 400);
    assert.match(res.body.problems.join(' '), /tx_code_failure/);
  });
});

describe('single_fetch', () => {
  it('serves the credential_offer_uri once; the second fetch gets 410 with fault.offer.single_fetch', async () => {
    const offer = await lab.offer({ single_fetch: true });
    const path = new URL(offer.credential_offer_uri).pathname;
    assert.equal((await lab.app.inject({ method: 'GET', url: path })).statusCode, 200);
    const again = await lab.app.inject({ method: 'GET', url: path });
    assert.equal(again.statusCode, 410);
    assert.equal(JSON.parse(again.body).error, 'invalid_request');
    assert.ok((await lab.codes(offer.session_id)).includes('fault.offer.single_fetch'));
    assert.deepEqual(await faultEvents(offer.session_id), ['single_fetch']);
  });
});

describe('require_dpop_nonce', () => {
  it('token: no DPoP -> token.dpop.required; DPoP without nonce -> use_dpop_nonce with a DPoP-Nonce; with it -> a DPoP token', async () => {
    const offer = await lab.offer({ require_dpop_nonce: true });
    const tokenUrl = `${lab.issuer}/token`;
    const dpopKey = await newHolderKey();
    const plain = await lab.redeem(offer);
    assert.equal(plain.body.error, 'invalid_dpop_proof');
    assert.ok((await lab.codes(offer.session_id)).includes('token.dpop.required'));
    const form = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': offer.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'] };
    const challenged = await lab.token(form, { dpop: await dpopProof(dpopKey, { htu: tokenUrl }) });
    assert.equal(challenged.status, 400);
    assert.equal(challenged.body.error, 'use_dpop_nonce');
    const dpopNonce = challenged.headers['dpop-nonce'] as string;
    assert.ok(dpopNonce);
    assert.ok((await lab.codes(offer.session_id)).includes('dpop.nonce.missing'));
    const token = await lab.token(form, { dpop: await dpopProof(dpopKey, { htu: tokenUrl, nonce: dpopNonce }) });
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(token.body.token_type, 'DPoP');

    // Credential endpoint (RFC 9449 §9): a proof without nonce gets 401 use_dpop_nonce, then succeeds with it.
    const accessToken = token.body.access_token;
    const credentialUrl = `${lab.issuer}/credential`;
    const key = await newHolderKey();
    const body = async () => ({ credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(key, { aud: lab.issuer, nonce: await lab.nonce() })] } });
    const refused = await lab.credential(accessToken, await body(), { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(dpopKey, { htu: credentialUrl, accessToken }) });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, 'use_dpop_nonce');
    assert.match(String(refused.headers['www-authenticate']), /^DPoP error="use_dpop_nonce"/);
    const resourceNonce = refused.headers['dpop-nonce'] as string;
    const issued = await lab.credential(accessToken, await body(), { authorization: `DPoP ${accessToken}`, dpop: await dpopProof(dpopKey, { htu: credentialUrl, accessToken, nonce: resourceNonce }) });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    assert.deepEqual(await faultEvents(offer.session_id), ['require_dpop_nonce']);
  });
});

describe('require_encryption', () => {
  it('refuses an unencrypted credential request with invalid_encryption_parameters', async () => {
    const offer = await lab.offer({ require_encryption: true });
    const token = (await lab.redeem(offer)).body.access_token;
    const res = await lab.credential(token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(await newHolderKey(), { aud: lab.issuer, nonce: await lab.nonce() })] } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_encryption_parameters');
    const entry = (await lab.logs(offer.session_id)).find((l) => l.data?.code === 'encryption.response.required');
    assert.match(entry.data.reason, /require_encryption/);
  });
});

describe('switches on the session (admin API)', () => {
  it('lists every switch of the offer in the session options', async () => {
    const offer = await lab.offer({ grants: { pre_authorized_code: { tx_code: true } }, strict: true, reject_first_nonce: true, tx_code_failure: 'burn', single_fetch: true, require_dpop_nonce: true, expires_in: 60 });
    const s = await lab.session(offer.session_id);
    assert.deepEqual(
      { strict: s.options.strict, reject_first_nonce: s.options.reject_first_nonce, tx_code_failure: s.options.tx_code_failure, single_fetch: s.options.single_fetch, require_dpop_nonce: s.options.require_dpop_nonce, expires_in: s.options.expires_in, require_encryption: s.options.require_encryption },
      { strict: true, reject_first_nonce: true, tx_code_failure: 'burn', single_fetch: true, require_dpop_nonce: true, expires_in: 60, require_encryption: false },
    );
    const created = s.events.find((e: any) => e.type === 'offer_created');
    assert.deepEqual(created.details.faults, ['strict', 'require_dpop_nonce', 'reject_first_nonce', 'tx_code_failure', 'single_fetch', 'expires_in']);
  });
});

describe('expires_in (short expiry), fixed clock', () => {
  it('the offer, its code and the access tokens of the session expire after expires_in seconds', async () => {
    const clock = fixedClock(Date.now());
    const timed = await startLab({}, clock);
    try {
      const expired = await timed.offer({ expires_in: 30 });
      clock.advance(31_000);
      const late = await timed.app.inject({ method: 'GET', url: new URL(expired.credential_offer_uri).pathname });
      assert.equal(late.statusCode, 410);
      assert.ok((await timed.codes(expired.session_id)).includes('offer.expired'));
      assert.equal((await timed.redeem(expired)).body.error, 'invalid_grant');
      assert.ok((await timed.codes(expired.session_id)).includes('token.pre_authorized_code.expired'));

      const offer = await timed.offer({ expires_in: 30 });
      const token = await timed.redeem(offer);
      assert.equal(token.body.expires_in, 30, 'min(ACCESS_TOKEN_TTL_SECONDS, expires_in)');
      clock.advance(31_000);
      const key = await newHolderKey();
      const res = await timed.credential(token.body.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(key, { aud: timed.issuer, nonce: await timed.nonce(), iat: Math.floor(clock.nowMs() / 1000) })] } });
      assert.equal(res.status, 401);
      assert.ok((await timed.codes(offer.session_id)).includes('credential.token.expired'));
    } finally {
      await timed.close();
    }
  });
});

describe('METADATA_WELL_KNOWN (global: metadata is per issuer)', () => {
  for (const [form, served, missing] of [
    ['inserted', '/.well-known/openid-credential-issuer/tenant', '/tenant/.well-known/openid-credential-issuer'],
    ['appended', '/tenant/.well-known/openid-credential-issuer', '/.well-known/openid-credential-issuer/tenant'],
  ] as const) {
    it(`${form}: metadata at ${served} only`, async () => {
      const one = await startLab({ PUBLIC_URL: 'http://localhost:8080/tenant', METADATA_WELL_KNOWN: form });
      try {
        const ok = await one.app.inject({ method: 'GET', url: served });
        assert.equal(ok.statusCode, 200);
        assert.equal(JSON.parse(ok.body).credential_issuer, 'http://localhost:8080/tenant');
        assert.equal((await one.app.inject({ method: 'GET', url: missing })).statusCode, 404);
      } finally {
        await one.close();
      }
    });
  }
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/** Token endpoint, pre-authorized code grant (OID4VCI 1.0 §6), over HTTP against the real server. */

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer({ env: { TX_CODE_MAX_ATTEMPTS: '3' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const withTxCode = { grants: { pre_authorized_code: { tx_code: { length: 6, input_mode: 'numeric' } } } };

describe('token endpoint: pre-authorized code', () => {
  it('issues a Bearer token with no-store and a request id', async () => {
    const offer = await w.createOffer(issuer);
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer) });
    assert.equal(res.status, 200);
    assert.equal(res.body.token_type, 'Bearer');
    assert.ok(res.body.access_token.length >= 40);
    assert.ok(res.body.expires_in > 0);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  });

  it('generates a tx_code that matches its declared length and input mode', async () => {
    const numeric = await w.createOffer(issuer, withTxCode);
    assert.match(numeric.tx_code!, /^\d{6}$/);
    const grant = numeric.credential_offer.grants[GRANT];
    assert.deepEqual(grant.tx_code, { input_mode: 'numeric', length: 6 });
    const text = await w.createOffer(issuer, { grants: { pre_authorized_code: { tx_code: { length: 8, input_mode: 'text' } } } });
    assert.match(text.tx_code!, /^[A-Z2-9]{8}$/);
    const empty = await w.createOffer(issuer, { grants: { pre_authorized_code: { tx_code: true } } });
    assert.equal(empty.tx_code!.length, empty.credential_offer.grants[GRANT].tx_code.length);
  });

  it('returns invalid_request when the offered tx_code is missing', async () => {
    const offer = await w.createOffer(issuer, withTxCode);
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer) });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    // The code is still redeemable with the right tx_code.
    assert.ok(await w.redeem(issuer, offer));
  });

  it('returns invalid_request for a tx_code that was not offered', async () => {
    const offer = await w.createOffer(issuer);
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer), tx_code: '123456' });
    assert.equal(res.body.error, 'invalid_request');
  });

  it('returns invalid_grant for a wrong tx_code and burns the code after the allowed attempts', async () => {
    const offer = await w.createOffer(issuer, withTxCode);
    const wrong = offer.tx_code === '000000' ? '111111' : '000000';
    const form = { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer), tx_code: wrong };
    for (let i = 0; i < 3; i++) {
      const res = await w.tokenRequest(issuer, form);
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_grant');
    }
    const right = await w.tokenRequest(issuer, { ...form, tx_code: offer.tx_code! });
    assert.equal(right.body.error, 'invalid_grant');
    const logs = await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error`);
    const codes = logs.body.logs.map((l: any) => l.data.code);
    assert.equal(codes.filter((c: string) => c === 'token.tx_code.mismatch').length, 2);
    assert.equal(codes.filter((c: string) => c === 'token.pre_authorized_code.burnt').length, 2);
    const session = await admin(issuer, 'GET', `/sessions/${offer.session_id}`);
    assert.equal(session.body.state, 'failed');
  });

  it('reads the user_pin of drafts 11/12 as tx_code, with a warning', async () => {
    const offer = await w.createOffer(issuer, withTxCode);
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer), user_pin: offer.tx_code! });
    assert.equal(res.status, 200);
    const logs = await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=warning`);
    assert.ok(logs.body.logs.some((l: any) => l.data.code === 'token.tx_code.legacy_user_pin'));
  });

  it('returns invalid_grant when a code is redeemed twice', async () => {
    const offer = await w.createOffer(issuer);
    await w.redeem(issuer, offer);
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer) });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
    const logs = await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error`);
    assert.ok(logs.body.logs.some((l: any) => l.data.code === 'token.pre_authorized_code.reused'));
  });

  it('gives exactly one token for 20 concurrent redemptions of one code', async () => {
    const offer = await w.createOffer(issuer);
    const form = { grant_type: GRANT, 'pre-authorized_code': w.preAuthorizedCode(offer) };
    const results = await Promise.all(Array.from({ length: 20 }, () => w.tokenRequest(issuer, form)));
    assert.equal(results.filter((r) => r.status === 200).length, 1);
    assert.ok(results.filter((r) => r.status !== 200).every((r) => r.body.error === 'invalid_grant'));
    const events = await admin(issuer, 'GET', `/sessions/${offer.session_id}/events`);
    assert.equal(events.body.events.filter((e: any) => e.type === 'token_exchanged').length, 1);
  });

  it('returns invalid_grant for an unknown code and records it as an unbound request', async () => {
    const res = await w.tokenRequest(issuer, { grant_type: GRANT, 'pre-authorized_code': 'forged-code' });
    assert.equal(res.body.error, 'invalid_grant');
    const unbound = await admin(issuer, 'GET', '/unbound_requests/logs?level=error');
    const entry = unbound.body.logs.find((l: any) => l.request_id === res.headers.get('x-request-id'));
    assert.equal(entry.data.code, 'token.pre_authorized_code.unknown');
    assert.ok(!JSON.stringify(unbound.body).includes('forged-code'), 'the code must not appear in clear');
  });

  it('returns unsupported_grant_type, invalid_request for a missing grant_type, a repeated parameter, or a JSON body', async () => {
    assert.equal((await w.tokenRequest(issuer, { grant_type: 'password' })).body.error, 'unsupported_grant_type');
    assert.equal((await w.tokenRequest(issuer, { foo: 'bar' })).body.error, 'invalid_request');
    const dup = await fetch(`${issuer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${encodeURIComponent(GRANT)}&grant_type=x`,
    });
    assert.equal(((await dup.json()) as any).error, 'invalid_request');
    const json = await fetch(`${issuer.baseUrl}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(json.status, 400);
    assert.equal(((await json.json()) as any).error, 'invalid_request');
  });

  it('refuses authorization_details naming a configuration that was not offered', async () => {
    const offer = await w.createOffer(issuer);
    const res = await w.tokenRequest(issuer, {
      grant_type: GRANT,
      'pre-authorized_code': w.preAuthorizedCode(offer),
      authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: 'org.iso.18013.5.1.mDL' }]),
    });
    assert.equal(res.body.error, 'invalid_authorization_details');
  });

  it('answers 413 for an oversized body', async () => {
    const res = await fetch(`${issuer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${'x'.repeat(300 * 1024)}`,
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as any).error, 'invalid_request');
  });
});

describe('credential offer retrieval (OID4VCI 1.0 §4.1.3)', () => {
  it('serves the offer repeatedly until the token exchange, each fetch an event; after it refuses, and records that too', async () => {
    const offer = await w.createOffer(issuer);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(offer.credential_offer_uri!);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), offer.credential_offer);
    }
    await w.redeem(issuer, offer);
    const gone = await fetch(offer.credential_offer_uri!);
    assert.equal(gone.status, 410);
    const events = await admin(issuer, 'GET', `/sessions/${offer.session_id}/events`);
    assert.deepEqual(
      events.body.events.map((e: any) => e.type),
      ['offer_created', 'offer_retrieved', 'offer_retrieved', 'token_exchanged', 'offer_retrieval_refused'],
    );
  });

  it('puts the offer by value into offer_url when by_reference is false', async () => {
    const offer = await w.createOffer(issuer, { by_reference: false });
    assert.equal(offer.credential_offer_uri, undefined);
    const url = new URL(offer.offer_url);
    assert.equal(url.protocol, 'openid-credential-offer:');
    assert.deepEqual(JSON.parse(url.searchParams.get('credential_offer')!), offer.credential_offer);
  });

  it('answers 404 for an unknown offer id', async () => {
    const res = await fetch(`${issuer.baseUrl}/credential_offers/off_nope`);
    assert.equal(res.status, 404);
  });

  it('never shows the pre-authorized code or tx_code in the admin session view', async () => {
    const offer = await w.createOffer(issuer, withTxCode);
    await w.redeem(issuer, offer);
    const session = JSON.stringify((await admin(issuer, 'GET', `/sessions/${offer.session_id}`)).body);
    assert.ok(!session.includes(w.preAuthorizedCode(offer)));
    assert.ok(!session.includes(`"${offer.tx_code}"`));
  });

  it('refuses unknown configurations and bad claims with every problem listed', async () => {
    const res = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['nope', 'also-nope'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.problems.length, 2);
    const claims = await admin(issuer, 'POST', '/credential_offers', {
      credential_configuration_ids: ['eu.europa.ec.eudi.pid_mdoc'],
      claims: { 'eu.europa.ec.eudi.pid.1': { family_name: 'X', given_name: 'Y', birth_date: '1990-13-45' } },
    });
    assert.equal(claims.status, 400);
    assert.ok(claims.body.problems.some((p: string) => p.includes('birth_date')));
  });

  it('requires the admin token', async () => {
    const res = await fetch(`${issuer.baseUrl}/sessions`);
    assert.equal(res.status, 401);
    const wrong = await fetch(`${issuer.baseUrl}/sessions`, { headers: { authorization: 'Bearer wrong' } });
    assert.equal(wrong.status, 401);
  });
});

import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createOffer, credentialRequest, fetchNonce, newHolderKey, redeem, signProof } from '../helpers/wallet.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';

/** Notification endpoint, OID4VCI 1.0 §11: notification_id in credential responses, events, state, errors. */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
let issuer: RunningIssuer;

before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

async function issued(): Promise<{ sessionId: string; token: string; notificationId: string }> {
  const offer = await createOffer(issuer);
  const token = await redeem(issuer, offer);
  const key = await newHolderKey();
  const proof = await signProof(key, { aud: issuer.baseUrl, nonce: await fetchNonce(issuer) });
  const res = await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof res.body.notification_id, 'string');
  return { sessionId: offer.session_id, token, notificationId: res.body.notification_id };
}

async function notify(token: string | undefined, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${issuer.baseUrl}/notification`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const session = async (id: string) => (await admin(issuer, 'GET', `/sessions/${id}`)).body as { state: string; events: { type: string; details: any }[]; logs: { message: string; data: any }[] };

describe('notification endpoint (OID4VCI 1.0 §11)', () => {
  it('is advertised in the issuer metadata', async () => {
    const metadata = (await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json()) as Record<string, unknown>;
    assert.equal(metadata.notification_endpoint, `${issuer.baseUrl}/notification`);
  });

  it('full flow through @openid4vc/openid4vci: credential_accepted → 204, event and state completed', async () => {
    const key = await newWalletKey();
    const wallet = createTestWallet([key]);
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [CONFIG] });
    const credentialOffer = await wallet.client.resolveCredentialOffer(created.body.offer_url);
    const issuerMetadata = await wallet.client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await wallet.client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
    const { c_nonce } = await wallet.client.requestNonce({ issuerMetadata });
    const { jwt } = await wallet.client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: CONFIG, signer: { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' }, nonce: c_nonce });
    const { credentialResponse } = await wallet.client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: CONFIG, proofs: { jwt: [jwt] } });
    assert.equal(typeof credentialResponse.notification_id, 'string');
    const sent = await wallet.client.sendNotification({
      issuerMetadata,
      accessToken: accessTokenResponse.access_token,
      notification: { notificationId: credentialResponse.notification_id!, event: 'credential_accepted' },
    });
    assert.equal(sent.response.status, 204);

    const s = await session(created.body.session_id);
    assert.equal(s.state, 'completed');
    const event = s.events.find((e) => e.type === 'notification_received');
    assert.ok(event);
    assert.equal(event.details.event, 'credential_accepted');
    // The id is a handle the wallet presents again: the session shows its keyed fingerprint only.
    assert.match(event.details.notification_id, /^<redacted hmac:[A-Za-z0-9_-]{10}>$/);
    assert.notEqual(event.details.notification_id, credentialResponse.notification_id);
    assert.equal(event.details.credentials, 1);
  });

  it('is idempotent: the same notification again answers 204 and is logged as a repeat', async () => {
    const { sessionId, token, notificationId } = await issued();
    assert.equal((await notify(token, { notification_id: notificationId, event: 'credential_accepted' })).status, 204);
    assert.equal((await notify(token, { notification_id: notificationId, event: 'credential_accepted' })).status, 204);
    const s = await session(sessionId);
    assert.equal(s.state, 'completed');
    const received = s.events.filter((e) => e.type === 'notification_received');
    assert.equal(received.length, 2);
    assert.equal(received[1].details.repeated, true);
  });

  it('credential_failure (with event_description) moves the session to failed; credential_deleted to credential_deleted', async () => {
    const a = await issued();
    assert.equal((await notify(a.token, { notification_id: a.notificationId, event: 'credential_failure', event_description: 'Could not store the Credential. Out of storage.' })).status, 204);
    const sa = await session(a.sessionId);
    assert.equal(sa.state, 'failed');
    assert.equal(sa.events.find((e) => e.type === 'notification_received')!.details.event_description, 'Could not store the Credential. Out of storage.');
    const b = await issued();
    assert.equal((await notify(b.token, { notification_id: b.notificationId, event: 'credential_deleted' })).status, 204);
    assert.equal((await session(b.sessionId)).state, 'credential_deleted');
  });

  it('returns invalid_notification_id for an unknown id and for an id of another session', async () => {
    const a = await issued();
    const b = await issued();
    const unknown = await notify(a.token, { notification_id: 'ntf_does-not-exist', event: 'credential_accepted' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error, 'invalid_notification_id');
    assert.equal(unknown.headers.get('cache-control'), 'no-store');
    const foreign = await notify(a.token, { notification_id: b.notificationId, event: 'credential_accepted' });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.error, 'invalid_notification_id');
    assert.equal((await session(b.sessionId)).state, 'credential_issued', 'the foreign session is untouched');
    const logged = (await session(a.sessionId)).logs.map((l) => l.data?.code);
    assert.ok(logged.includes('notification.id.unknown') && logged.includes('notification.id.foreign'));
  });

  it('returns invalid_notification_request for a bad event, a missing id, a bad description or a non-JSON body', async () => {
    const { sessionId, token, notificationId } = await issued();
    const cases: [unknown, string?][] = [
      [{ notification_id: notificationId, event: 'Credential_Accepted' }],
      [{ notification_id: notificationId, event: 'credential_stored' }],
      [{ event: 'credential_accepted' }],
      [{ notification_id: notificationId, event: 'credential_failure', event_description: 'quote " not allowed' }],
      ['notification_id=x&event=credential_accepted', 'application/x-www-form-urlencoded'],
      ['{not json'],
    ];
    for (const [body, type] of cases) {
      const res = await notify(token, body, type);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid_notification_request', JSON.stringify(body));
    }
    const caseHint = (await session(sessionId)).logs.find((l) => /did you mean credential_accepted/.test(l.data?.reason ?? ''));
    assert.ok(caseHint, 'the case-sensitivity hint is in the session log');
    const logged = (await session(sessionId)).logs.map((l) => l.data?.code);
    assert.ok(logged.includes('notification.request.malformed') && logged.includes('notification.request.content_type'));
    assert.equal((await session(sessionId)).state, 'credential_issued');
  });

  it('answers 401 per RFC 6750 without or with an unknown access token', async () => {
    const none = await notify(undefined, { notification_id: 'x', event: 'credential_accepted' });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    const bad = await notify('not-a-token', { notification_id: 'x', event: 'credential_accepted' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_token');
  });
});

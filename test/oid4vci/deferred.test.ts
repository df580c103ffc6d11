import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Openid4vciRetrieveCredentialsError } from '@openid4vc/openid4vci';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';
import * as w from '../helpers/wallet.js';

/**
 * Deferred issuance (OID4VCI 1.0 §9) over HTTP: the real @openid4vc/openid4vci client for the
 * happy path (202 + transaction_id, polls, claims supplied by the operator, credential), and
 * hand-made requests for each refusal, with the diagnostic in the session log.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const ALICE = {
  given_name: 'Alice',
  family_name: 'Deferred',
  birthdate: '1991-02-03',
  place_of_birth: { country: 'FR', locality: 'Nantes' },
  nationalities: ['FR'],
  issuing_authority: 'Deferred Test Authority',
  issuing_country: 'FR',
  date_of_expiry: '2036-01-01',
  age_equal_or_over: { '18': true },
};

/** The SD-JWT VC claims: issuer-signed payload plus every disclosed claim. */
function sdJwtClaims(compact: string): Record<string, unknown> {
  const [jwt, ...disclosures] = compact.split('~').filter(Boolean);
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
  for (const d of disclosures) {
    const value = JSON.parse(Buffer.from(d, 'base64url').toString());
    if (value.length === 3) payload[value[1]] = value[2];
  }
  return payload;
}

async function sessionLogs(sessionId: string) {
  const res = await admin(issuer, 'GET', `/sessions/${sessionId}/logs?limit=500`);
  return res.body.logs as { level: string; endpoint: string; data: any; request_id: string }[];
}

async function deferredRequest(accessToken: string, body: unknown, contentType = 'application/json') {
  const res = await fetch(`${issuer.baseUrl}/deferred_credential`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, requestId: res.headers.get('x-request-id'), body: (await res.json()) as any };
}

/** Offer (deferred) → token → nonce → credential request answered 202, by hand. */
async function deferredTransaction() {
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG], deferred: true });
  const accessToken = await w.redeem(issuer, offer);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 202, res.text);
  return { offer, accessToken, key, transactionId: res.body.transaction_id as string, body: res.body };
}

async function expectRefusal(sessionId: string, res: Awaited<ReturnType<typeof deferredRequest>>, error: string, code: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.match(res.body.error_description, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  const entry = (await sessionLogs(sessionId)).find((l) => l.level === 'error' && l.data?.code === code);
  assert.ok(entry, `no error log with code ${code}`);
  assert.equal(entry.request_id, res.requestId);
  assert.equal(entry.endpoint, 'deferred_credential');
  assert.match(entry.data.spec_ref, /^OID4VCI 1\.0 §9/);
}

describe('deferred issuance (OID4VCI 1.0 §9)', () => {
  it('advertises deferred_credential_endpoint in the issuer metadata', async () => {
    const res = await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`);
    const metadata = (await res.json()) as Record<string, unknown>;
    assert.equal(metadata.deferred_credential_endpoint, `${issuer.baseUrl}/deferred_credential`);
  });

  it('through @openid4vc/openid4vci: 202 with transaction_id and interval, not ready until claims are supplied, then the credential with the supplied claims, then invalid_transaction_id', async () => {
    const key = await newWalletKey();
    const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [CONFIG], deferred: true });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { client } = createTestWallet([key]);
    const credentialOffer = await client.resolveCredentialOffer(created.body.offer_url);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId: CONFIG,
      signer: { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' },
      nonce: c_nonce,
    });
    const accessToken = accessTokenResponse.access_token;
    const first = await client.retrieveCredentials({ issuerMetadata, accessToken, credentialConfigurationId: CONFIG, proofs: { jwt: [jwt] } });
    assert.equal(first.response.status, 202);
    assert.equal(first.credentialResponse.credentials, undefined);
    const transactionId = first.credentialResponse.transaction_id!;
    assert.ok(transactionId);
    assert.equal(first.credentialResponse.interval, 5);

    const poll = await client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId });
    assert.equal(poll.response.status, 202);
    assert.deepEqual(poll.deferredCredentialResponse, { transaction_id: transactionId, interval: 5 });
    const sessionId = created.body.session_id as string;
    assert.equal((await admin(issuer, 'GET', `/sessions/${sessionId}`)).body.state, 'deferred');

    const supplied = await admin(issuer, 'POST', `/sessions/${sessionId}/claims`, { credential_configuration_id: CONFIG, claims: ALICE });
    assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
    assert.equal(supplied.body.transactions_ready, 1);

    const ready = await client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId });
    assert.equal(ready.response.status, 200);
    const credentials = ready.deferredCredentialResponse.credentials as { credential: string }[];
    assert.equal(credentials.length, 1);
    const claims = sdJwtClaims(credentials[0].credential);
    assert.equal(claims.given_name, 'Alice');
    assert.equal(claims.family_name, 'Deferred');
    assert.deepEqual(claims.cnf, { jwk: key.publicJwk });

    // Single-use once delivered (§9.3: invalid_transaction_id for a redeemed one).
    await assert.rejects(client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId }), (e: unknown) => {
      assert.ok(e instanceof Openid4vciRetrieveCredentialsError);
      return (e.response as any).deferredCredentialErrorResponseResult?.data?.error === 'invalid_transaction_id';
    });

    const session = (await admin(issuer, 'GET', `/sessions/${sessionId}`)).body;
    assert.equal(session.state, 'credential_issued');
    assert.deepEqual(
      session.events.map((e: { type: string }) => e.type),
      ['offer_created', 'offer_retrieved', 'token_exchanged', 'credential_deferred', 'claims_supplied', 'credential_issued'],
    );
    assert.equal(session.issued_credentials.length, 1);
    const codes = session.logs.filter((l: any) => l.level === 'error').map((l: any) => l.data.code);
    assert.deepEqual(codes, ['deferred.transaction_id.redeemed']);
  });

  it('returns invalid_transaction_id for an unknown transaction_id, with the diagnostic in the session log', async () => {
    const t = await deferredTransaction();
    const res = await deferredRequest(t.accessToken, { transaction_id: 'txn_not-a-real-one' });
    await expectRefusal(t.offer.session_id, res, 'invalid_transaction_id', 'deferred.transaction_id.unknown');
  });

  it("returns invalid_transaction_id for another session's transaction_id (foreign)", async () => {
    const a = await deferredTransaction();
    const b = await deferredTransaction();
    const res = await deferredRequest(b.accessToken, { transaction_id: a.transactionId });
    await expectRefusal(b.offer.session_id, res, 'invalid_transaction_id', 'deferred.transaction_id.foreign');
    // The owner can still collect it afterwards: the foreign attempt consumed nothing.
    assert.equal((await deferredRequest(a.accessToken, { transaction_id: a.transactionId })).status, 202);
  });

  it('returns invalid_credential_request when transaction_id is missing or the body is not JSON', async () => {
    const t = await deferredTransaction();
    await expectRefusal(t.offer.session_id, await deferredRequest(t.accessToken, { transactionId: t.transactionId }), 'invalid_credential_request', 'deferred.request.malformed');
    await expectRefusal(t.offer.session_id, await deferredRequest(t.accessToken, `transaction_id=${t.transactionId}`, 'application/x-www-form-urlencoded'), 'invalid_credential_request', 'deferred.request.content_type');
  });

  it('returns invalid_token without a valid access token, logged on the session its transaction_id names', async () => {
    const t = await deferredTransaction();
    const res = await deferredRequest('not-a-token', { transaction_id: t.transactionId });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_token');
    const logs = await sessionLogs(t.offer.session_id);
    assert.ok(logs.some((l: any) => l.request_id === res.requestId && l.data?.code === 'credential.token.unknown'));
    assert.ok(logs.some((l: any) => l.request_id === res.requestId && l.data?.attached_by === 'transaction_id'));
    // Carrying nothing of any session, it stays unbound.
    const stray = await deferredRequest('not-a-token', { transaction_id: 'txn_not-a-real-one' });
    const unbound = await admin(issuer, 'GET', '/unbound_requests/logs?limit=50');
    assert.ok(unbound.body.logs.some((l: any) => l.request_id === stray.requestId && l.data?.code === 'credential.token.unknown'));
  });

  it('issues at once when the claims were supplied before the credential request, and keeps the transaction id out of the session view', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG], deferred: true });
    assert.equal((await admin(issuer, 'POST', `/sessions/${offer.session_id}/claims`, { credential_configuration_id: CONFIG, claims: ALICE })).status, 200);
    const accessToken = await w.redeem(issuer, offer);
    const key = await w.newHolderKey();
    const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
    assert.equal(sdJwtClaims(res.body.credentials[0].credential).family_name, 'Deferred');

    const t = await deferredTransaction();
    const view = JSON.stringify((await admin(issuer, 'GET', `/sessions/${t.offer.session_id}`)).body);
    assert.ok(!view.includes(t.transactionId), 'transaction_id in clear in the session view');
  });

  it('refuses claims that do not fit the configuration, and claims for a configuration outside the session', async () => {
    const t = await deferredTransaction();
    const bad = await admin(issuer, 'POST', `/sessions/${t.offer.session_id}/claims`, { credential_configuration_id: CONFIG, claims: { given_name: 'Bob' } });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.problems.some((p: string) => p.includes('family_name')), JSON.stringify(bad.body));
    const other = await admin(issuer, 'POST', `/sessions/${t.offer.session_id}/claims`, { credential_configuration_id: 'org.iso.18013.5.1.mDL', claims: {} });
    assert.equal(other.status, 400);
    assert.equal((await admin(issuer, 'POST', '/sessions/ses_nope/claims', { credential_configuration_id: CONFIG, claims: ALICE })).status, 404);
    // Still not ready: nothing was stored.
    assert.equal((await deferredRequest(t.accessToken, { transaction_id: t.transactionId })).status, 202);
  });
});

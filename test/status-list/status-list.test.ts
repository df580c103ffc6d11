import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getListFromStatusListJWT, getStatusListFromJWT, StatusList } from '@sd-jwt/jwt-status-list';
import { decode as decodeCbor, Tag } from 'cbor-x';
import { decodeProtectedHeader, jwtVerify, importX509 } from 'jose';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Token Status List (draft-ietf-oauth-status-list) checked from the relying party's side with
 * an independent implementation (@sd-jwt/jwt-status-list): valid → revoked → suspended → valid.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

async function issue(configurationId: string): Promise<{ credential: string; sessionId: string }> {
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [configurationId] });
  const token = await w.redeem(issuer, offer);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
  const res = await w.credentialRequest(issuer, token, { credential_configuration_id: configurationId, proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);
  return { credential: res.body.credentials[0].credential, sessionId: offer.session_id };
}

/** Fetches the list as a relying party would and verifies its signature with the x5c leaf. */
async function statusAt(uri: string, idx: number): Promise<number> {
  const res = await fetch(uri);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/statuslist+jwt');
  assert.match(res.headers.get('cache-control') ?? '', /max-age=\d+/);
  const jwt = await res.text();
  const header = decodeProtectedHeader(jwt);
  assert.equal(header.typ, 'statuslist+jwt');
  const leaf = `-----BEGIN CERTIFICATE-----\n${header.x5c![0]}\n-----END CERTIFICATE-----`;
  const { payload } = await jwtVerify(jwt, await importX509(leaf, 'ES256'), { typ: 'statuslist+jwt' });
  assert.equal(payload.sub, uri, 'sub must equal the uri of the referenced token');
  return getListFromStatusListJWT(jwt).getStatus(idx);
}

async function setStatus(sessionId: string, status: string): Promise<void> {
  const list = await admin(issuer, 'GET', `/sessions/${sessionId}/credentials`);
  const id = list.body.credentials[0].credential_id;
  const res = await admin(issuer, 'POST', `/credentials/${id}/status`, { status });
  assert.equal(res.status, 200);
  assert.equal(res.body.status, status);
}

describe('token status lists', () => {
  it('marks an SD-JWT VC valid, then revoked, suspended and valid again', async () => {
    const { credential, sessionId } = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
    const jwt = credential.split('~')[0];
    const { idx, uri } = getStatusListFromJWT(jwt);
    assert.ok(uri.startsWith(`${issuer.baseUrl}/status-lists/`));
    assert.equal(await statusAt(uri, idx), 0);
    await setStatus(sessionId, 'revoked');
    assert.equal(await statusAt(uri, idx), 1);
    await setStatus(sessionId, 'suspended');
    assert.equal(await statusAt(uri, idx), 2);
    await setStatus(sessionId, 'valid');
    assert.equal(await statusAt(uri, idx), 0);
    const events = await admin(issuer, 'GET', `/sessions/${sessionId}/events`);
    assert.equal(events.body.events.filter((e: any) => e.type === 'credential_status_changed').length, 3);
  });

  it('puts a resolvable status reference into the mdoc MSO, and serves the list as a CWT too', async () => {
    const { credential, sessionId } = await issue('org.iso.18013.5.1.mDL');
    const issuerSigned = decodeCbor(Buffer.from(credential, 'base64url'));
    const payload = issuerSigned.issuerAuth[2];
    const msoTag = decodeCbor(payload) as Tag;
    const mso = decodeCbor(msoTag.value);
    const { idx, uri } = mso.status.status_list;
    assert.equal(await statusAt(uri, idx), 0);
    await setStatus(sessionId, 'revoked');
    assert.equal(await statusAt(uri, idx), 1);

    const cwtRes = await fetch(uri, { headers: { accept: 'application/statuslist+cwt' } });
    assert.equal(cwtRes.headers.get('content-type'), 'application/statuslist+cwt');
    const [protectedBytes, , claimsBytes, signature] = decodeCbor(Buffer.from(await cwtRes.arrayBuffer()));
    assert.equal(signature.length, 64);
    const claims = decodeCbor(claimsBytes);
    const get = (k: number) => (claims instanceof Map ? claims.get(k) : claims[k]);
    assert.equal(get(2), uri);
    const statusList = get(65533);
    const lst = statusList instanceof Map ? statusList.get('lst') : statusList.lst;
    const bits = statusList instanceof Map ? statusList.get('bits') : statusList.bits;
    const list = StatusList.decompressStatusList(Buffer.from(lst).toString('base64url'), bits);
    assert.equal(list.getStatus(idx), 1);
    // The CWT verifies with the key in the issuer certificate.
    const unprotected = issuerSigned.issuerAuth[1];
    const x5chain = unprotected instanceof Map ? unprotected.get(33) : unprotected[33];
    const leaf = new X509Certificate(Array.isArray(x5chain) ? x5chain[0] : x5chain);
    const { verify } = await import('node:crypto');
    const sigStructure = (await import('cbor-x')).encode(['Signature1', protectedBytes, Buffer.alloc(0), claimsBytes]);
    assert.ok(verify('sha256', sigStructure, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, signature));
  });

  it('gives each credential of a batch its own index', async () => {
    const offer = await w.createOffer(issuer);
    const token = await w.redeem(issuer, offer);
    const nonce = await w.fetchNonce(issuer);
    const proofs = await Promise.all([1, 2, 3].map(async () => w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce })));
    const res = await w.credentialRequest(issuer, token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: proofs } });
    const indices = res.body.credentials.map((c: any) => getStatusListFromJWT(c.credential.split('~')[0]).idx);
    assert.equal(new Set(indices).size, 3);
  });

  it('revokes and reinstates from the session page (signed in, CSRF-checked)', async () => {
    const { credential, sessionId } = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
    const { idx, uri } = getStatusListFromJWT(credential.split('~')[0]);
    const signIn = await fetch(`${issuer.baseUrl}/ui/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: issuer.adminToken }).toString(),
      redirect: 'manual',
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    const page = await (await fetch(`${issuer.baseUrl}/ui/sessions/${sessionId}`, { headers: { cookie } })).text();
    assert.match(page, /data-testid="credential-status" data-status="valid"/);
    const action = /action="([^"]*\/credentials\/[^"]*\/status)"/.exec(page)![1];
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const post = (status: string, token = csrf) =>
      fetch(`${new URL(issuer.baseUrl).origin}${action}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ csrf: token, status }).toString(),
      });
    assert.equal((await post('revoked', 'forged')).status, 403);
    assert.equal(await statusAt(uri, idx), 0);
    const revoked = await post('revoked');
    assert.equal(revoked.status, 200);
    assert.match(await revoked.text(), /data-status="revoked"/);
    assert.equal(await statusAt(uri, idx), 1);
    assert.equal((await post('valid')).status, 200);
    assert.equal(await statusAt(uri, idx), 0);
  });

  for (const form of [
    { name: 'JWT', accept: undefined, type: 'application/statuslist+jwt' },
    { name: 'CWT', accept: 'application/statuslist+cwt', type: 'application/statuslist+cwt' },
  ]) {
    it(`answers 304 to If-None-Match with the current ETag of the ${form.name} form, and 200 once the list changed (RFC 9110 §13.1.2)`, async () => {
      const { credential, sessionId } = await issue('eu.europa.ec.eudi.pid_vc_sd_jwt');
      const { uri } = getStatusListFromJWT(credential.split('~')[0]);
      const get = (ifNoneMatch?: string) =>
        fetch(uri, { headers: { ...(form.accept ? { accept: form.accept } : {}), ...(ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {}) } });
      const first = await get();
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('content-type'), form.type);
      assert.match(first.headers.get('vary') ?? '', /accept/i);
      const etag = first.headers.get('etag')!;
      assert.match(etag, /^"[^"]+"$/);
      const firstBody = Buffer.from(await first.arrayBuffer());

      for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
        const again = await get(condition);
        assert.equal(again.status, 304, `If-None-Match: ${condition}`);
        assert.equal(again.headers.get('etag'), etag);
        assert.match(again.headers.get('cache-control') ?? '', /max-age=\d+/);
        assert.equal((await again.arrayBuffer()).byteLength, 0);
      }
      const other = await get('"not-the-current-one"');
      assert.equal(other.status, 200);
      assert.deepEqual(Buffer.from(await other.arrayBuffer()), firstBody, 'the same token while the list is unchanged');

      await setStatus(sessionId, 'revoked');
      const changed = await get(etag);
      assert.equal(changed.status, 200, 'a changed list is sent in full');
      assert.notEqual(changed.headers.get('etag'), etag);
      assert.equal(changed.headers.get('content-type'), form.type);
    });
  }

  it('refuses unknown lists and unknown credentials', async () => {
    assert.equal((await fetch(`${issuer.baseUrl}/status-lists/sl_nope`)).status, 404);
    assert.equal((await admin(issuer, 'POST', '/credentials/cred_nope/status', { status: 'revoked' })).status, 404);
    assert.equal((await admin(issuer, 'POST', '/credentials/cred_nope/status', { status: 'gone' })).status, 400);
    assert.equal((await fetch(`${issuer.baseUrl}/credentials/x/status`, { method: 'POST' })).status, 401);
  });
});

describe('signed metadata (OID4VCI 1.0 §12.2.3)', () => {
  it('serves JSON by default and a JWS verifiable with the published key when asked for application/jwt', async () => {
    const signed = await startIssuer({ env: { SIGNED_METADATA: 'true' } });
    try {
      const url = `${signed.baseUrl}/.well-known/openid-credential-issuer`;
      const plain = await fetch(url);
      assert.match(plain.headers.get('content-type') ?? '', /^application\/json/);
      const metadata = await plain.json();
      const res = await fetch(url, { headers: { accept: 'application/jwt, application/json;q=0.5' } });
      assert.equal(res.headers.get('content-type'), 'application/jwt');
      const jwt = await res.text();
      const jwks = await (await fetch(`${signed.baseUrl}/jwks`)).json();
      const { importJWK } = await import('jose');
      const { payload, protectedHeader } = await jwtVerify(jwt, await importJWK(jwks.keys[0], 'ES256'), {
        typ: 'openidvci-issuer-metadata+jwt',
        subject: signed.baseUrl,
      });
      assert.ok(protectedHeader.x5c?.length);
      assert.deepEqual(payload.credential_configurations_supported, metadata.credential_configurations_supported);
      assert.equal(payload.credential_issuer, metadata.credential_issuer);
      assert.equal(typeof payload.iat, 'number');
    } finally {
      await signed.stop();
      signed.cleanup();
    }
  });

  it('never signs when not configured', async () => {
    const res = await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`, { headers: { accept: 'application/jwt' } });
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { base64url } from 'jose';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/** Credential endpoint over HTTP: each proof defect gets its spec error and a diagnostic in the session log. */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

async function readySession() {
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
  const accessToken = await w.redeem(issuer, offer);
  const nonce = await w.fetchNonce(issuer);
  const key = await w.newHolderKey();
  return { offer, accessToken, nonce, key };
}

async function sessionLogs(sessionId: string) {
  const res = await admin(issuer, 'GET', `/sessions/${sessionId}/logs?limit=200`);
  return res.body.logs as { level: string; endpoint: string; message: string; data: any; request_id: string }[];
}

async function expectRefusal(
  s: Awaited<ReturnType<typeof readySession>>,
  proof: string,
  error: string,
  code: string,
): Promise<any> {
  const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body.error, error);
  assert.match(res.body.error_description, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const requestId = res.headers.get('x-request-id');
  assert.ok(requestId?.startsWith('req_'));
  const entry = (await sessionLogs(s.offer.session_id)).find((l) => l.level === 'error' && l.data?.code === code);
  assert.ok(entry, `no error log with code ${code}`);
  assert.equal(entry.request_id, requestId);
  assert.equal(entry.endpoint, 'credential');
  for (const field of ['reason', 'expected', 'help', 'spec_ref']) assert.ok(entry.data[field], `log entry lacks ${field}`);
  return entry.data;
}

describe('credential endpoint: proof checks (OID4VCI 1.0 Appendix F)', () => {
  it('issues for a proof whose only key is a did:key kid (jwk_jcs-pub form)', async () => {
    const s = await readySession();
    // The jwk_jcs-pub did:key: multicodec 0xeb51 (varint d1 d6 03) + JCS JSON of the public JWK.
    const { crv, kty, x, y } = s.key.publicJwk as Record<string, string>;
    const jcs = JSON.stringify({ crv, kty, x, y });
    const did = `did:key:z${base58btc(Buffer.concat([Buffer.from([0xd1, 0xd6, 0x03]), Buffer.from(jcs)]))}`;
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce, header: { jwk: undefined, kid: `${did}#${did.slice(8)}` } });
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
    const payload = JSON.parse(Buffer.from(res.body.credentials[0].credential.split('.')[1], 'base64url').toString());
    assert.deepEqual({ ...payload.cnf.jwk }, { crv, kty, x, y });
    const session = await admin(issuer, 'GET', `/sessions/${s.offer.session_id}`);
    assert.equal(session.body.issued_credentials[0].key_source, 'did:key:jwk_jcs');
  });

  it('returns invalid_proof listing the header parameters when the header has only a non-DID kid', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce, header: { jwk: undefined, kid: 'key-1' } });
    const d = await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.kid_not_resolvable');
    assert.deepEqual([...d.found.header_params].sort(), ['alg', 'kid', 'typ']);
    assert.match(d.expected, /jwk/);
    assert.match(d.spec_ref, /OID4VCI 1\.0 Appendix F\.1/);
  });

  it('returns invalid_proof with no_key when the header names no key at all', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce, header: { jwk: undefined } });
    const d = await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.no_key');
    assert.deepEqual([...d.found.header_params].sort(), ['alg', 'typ']);
    for (const source of ['jwk', 'x5c', 'key_attestation', 'kid']) assert.match(d.expected, new RegExp(source));
    assert.equal(d.spec_ref, 'OID4VCI 1.0 Appendix F.1');
  });

  it('returns invalid_proof for a wrong typ', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce, header: { typ: 'JWT' } });
    await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.typ');
  });

  it('returns invalid_proof for alg none', async () => {
    const s = await readySession();
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'openid4vci-proof+jwt', jwk: s.key.publicJwk }));
    const payload = base64url.encode(JSON.stringify({ aud: issuer.baseUrl, nonce: s.nonce, iat: Math.floor(Date.now() / 1000) }));
    await expectRefusal(s, `${header}.${payload}.`, 'invalid_proof', 'proof.jwt.alg_unsupported');
  });

  it('returns invalid_proof for a wrong aud, showing both values', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: `${issuer.baseUrl}/credential`, nonce: s.nonce });
    const d = await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.aud');
    assert.ok(d.reason.includes(`${issuer.baseUrl}/credential`));
    assert.ok(`${d.reason} ${d.expected}`.includes(`"${issuer.baseUrl}"`));
  });

  it('returns invalid_proof when the nonce is missing', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl });
    await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.nonce_missing');
  });

  it('returns invalid_nonce for a nonce this issuer never issued', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: 'not-a-nonce-of-ours' });
    await expectRefusal(s, proof, 'invalid_nonce', 'proof.jwt.nonce_unknown');
  });

  it('returns invalid_nonce when a c_nonce is reused', async () => {
    const s = await readySession();
    const first = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce });
    const ok = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [first] } });
    assert.equal(ok.status, 200);
    const again = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce });
    const d = await expectRefusal(s, again, 'invalid_nonce', 'proof.jwt.nonce_unknown');
    assert.match(d.reason, /already used/);
  });

  it('accepts one of two concurrent requests carrying the same c_nonce', async () => {
    const s = await readySession();
    const proofs = await Promise.all([1, 2].map(() => w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce })));
    const results = await Promise.all(
      proofs.map((p) => w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [p] } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 400]);
    assert.equal(results.find((r) => r.status === 400)!.body.error, 'invalid_nonce');
  });

  it('returns invalid_proof when the signature was made by another key', async () => {
    const s = await readySession();
    const other = await w.newHolderKey();
    const proof = await w.signProof(other, { aud: issuer.baseUrl, nonce: s.nonce, header: { jwk: s.key.publicJwk } });
    await expectRefusal(s, proof, 'invalid_proof', 'proof.jwt.signature');
  });

  it('does not burn the nonce when a proof is refused', async () => {
    const s = await readySession();
    const bad = await w.signProof(s.key, { aud: 'https://elsewhere.example', nonce: s.nonce });
    await expectRefusal(s, bad, 'invalid_proof', 'proof.jwt.aud');
    const good = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce });
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [good] } });
    assert.equal(res.status, 200, res.text);
  });
});

describe('credential endpoint: request checks (OID4VCI 1.0 §8)', () => {
  it('returns invalid_token with a Bearer challenge for an unknown token, logged as unbound', async () => {
    const res = await w.credentialRequest(issuer, 'nope', { credential_configuration_id: CONFIG });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_token');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
    const unbound = await admin(issuer, 'GET', '/unbound_requests/logs?level=error');
    assert.ok(unbound.body.logs.some((l: any) => l.request_id === res.headers.get('x-request-id') && l.data.code === 'credential.token.unknown'));
  });

  it('returns invalid_token without a token', async () => {
    const res = await fetch(`${issuer.baseUrl}/credential`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  });

  it('returns invalid_request for malformed JSON, and the session still logs it', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, '{"credential_configuration_id": ');
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    const logs = await sessionLogs(s.offer.session_id);
    assert.ok(logs.some((l) => l.data?.code === 'request.body.malformed_json'));
  });

  it('returns invalid_credential_request for a non-JSON content type', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, '{}', { 'content-type': 'text/plain' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_credential_request');
  });

  it('returns unknown_credential_configuration for an id not in the metadata', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: 'nope', proofs: { jwt: ['x'] } });
    assert.equal(res.body.error, 'unknown_credential_configuration');
  });

  it('returns insufficient_scope (403) for a configuration the token does not cover', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: 'org.iso.18013.5.1.mDL', proofs: { jwt: ['x'] } });
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'insufficient_scope');
  });

  it('returns invalid_proof when proofs are missing', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG });
    assert.equal(res.body.error, 'invalid_proof');
  });

  it('serves the singular proof of drafts 13-15 with a warning (strict mode refuses it: test/drafts/)', async () => {
    const s = await readySession();
    const jwt = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce });
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proof: { proof_type: 'jwt', jwt } });
    assert.equal(res.status, 200, res.text);
    assert.ok((await sessionLogs(s.offer.session_id)).some((l) => l.level === 'warning' && l.data?.code === 'draft.proof.singular'));
  });

  it('returns unknown_credential_identifier for an identifier the token response did not carry', async () => {
    const s = await readySession();
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_identifier: 'made-up' });
    assert.equal(res.body.error, 'unknown_credential_identifier');
  });

  it('answers authorization_details with credential_identifiers, and issues by identifier', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [CONFIG] });
    const token = await w.tokenRequest(issuer, {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': w.preAuthorizedCode(offer),
      authorization_details: JSON.stringify([{ type: 'openid_credential', credential_configuration_id: CONFIG }]),
    });
    assert.equal(token.status, 200);
    const [detail] = token.body.authorization_details;
    assert.equal(detail.credential_configuration_id, CONFIG);
    assert.equal(detail.credential_identifiers.length, 1);
    const key = await w.newHolderKey();
    const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, token.body.access_token, { credential_identifier: detail.credential_identifiers[0], proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
  });

  it('issues one credential per key for a batch of proofs, and refuses a repeated key', async () => {
    const s = await readySession();
    const k2 = await w.newHolderKey();
    const proofs = [await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce }), await w.signProof(k2, { aud: issuer.baseUrl, nonce: s.nonce })];
    const res = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: proofs } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.credentials.length, 2);
    const nonce = await w.fetchNonce(issuer);
    const dup = [await w.signProof(k2, { aud: issuer.baseUrl, nonce }), await w.signProof(k2, { aud: issuer.baseUrl, nonce })];
    const refused = await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: dup } });
    assert.equal(refused.body.error, 'invalid_proof');
  });

  it('joins the nonce request log to the session that used the nonce', async () => {
    const s = await readySession();
    const proof = await w.signProof(s.key, { aud: issuer.baseUrl, nonce: s.nonce });
    await w.credentialRequest(issuer, s.accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    const logs = await sessionLogs(s.offer.session_id);
    assert.ok(logs.some((l) => l.endpoint === 'nonce' && l.data?.c_nonce === s.nonce));
  });
});

function base58btc(bytes: Uint8Array): string {
  const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let out = '';
  while (n > 0n) {
    out = alphabet[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}


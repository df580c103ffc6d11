import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { jsonDepth, JsonTooDeepError, MAX_JSON_DEPTH, MAX_JWT_LENGTH, parseJsonLimited, valueDepth } from '../../src/core/input-limits.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Input limits: JSON depth, JWT length, CBOR size and depth, header and body size.
 * Before these limits a JSON body nested ~100 000 deep (it fits in 256 KiB) made the credential
 * and deferred endpoints answer 500: the session log's JSON.stringify overflowed the stack.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const b64 = (v: string) => Buffer.from(v).toString('base64url');

describe('depth counting', () => {
  it('counts brackets outside strings only, escapes included', () => {
    assert.equal(jsonDepth('[[1],[2,[3]]]'), 3);
    assert.equal(jsonDepth('{"a":"[[[\\"[[{{"}'), 1);
    assert.equal(jsonDepth('"\\\\"'), 0);
    assert.equal(jsonDepth('{"a":{"b":[{"c":1}]}}'), 4);
  });

  it('parseJsonLimited accepts MAX_JSON_DEPTH levels and refuses one more with JsonTooDeepError (a SyntaxError)', () => {
    assert.deepEqual(parseJsonLimited(nested(MAX_JSON_DEPTH)) !== undefined, true);
    assert.throws(() => parseJsonLimited(nested(MAX_JSON_DEPTH + 1)), (e: unknown) => e instanceof JsonTooDeepError && e instanceof SyntaxError);
    assert.throws(() => parseJsonLimited('{"a":'), SyntaxError);
  });

  it('valueDepth measures decoded structures (Maps too) without recursion', () => {
    let v: unknown = 1;
    for (let i = 0; i < 200_000; i++) v = [v];
    assert.equal(valueDepth(v, 64), 65, 'stops counting past the limit');
    assert.equal(valueDepth(new Map([[1, [new Map([[2, 3]])]]])), 3);
    assert.equal(valueDepth(new Uint8Array(10)), 0);
  });
});

describe('limits over HTTP', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  async function errorCodes(sessionId: string): Promise<string[]> {
    const logs = await admin(issuer, 'GET', `/sessions/${sessionId}/logs?level=error&limit=100`);
    return logs.body.logs.map((l: any) => l.data?.code);
  }

  it('refuses a credential request body nested 100 000 deep with request.body.too_deep (was a 500)', async () => {
    const offer = await w.createOffer(issuer);
    const token = await w.redeem(issuer, offer);
    const res = await w.credentialRequest(issuer, token, nested(100_000));
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.ok((await errorCodes(offer.session_id)).includes('request.body.too_deep'));
    const deferred = await fetch(`${issuer.baseUrl}/deferred_credential`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: `{"transaction_id":${nested(50_000)}}`,
    });
    assert.equal(deferred.status, 400);
    assert.equal(((await deferred.json()) as any).error, 'invalid_request');
  });

  it('refuses a proof whose header nests too deep, and a proof longer than the JWT limit, with invalid_proof', async () => {
    const offer = await w.createOffer(issuer);
    const token = await w.redeem(issuer, offer);
    const deepHeader = `${b64(`{"alg":"ES256","x":${nested(5000)}}`)}.${b64('{}')}.AAAA`;
    const deep = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [deepHeader] } });
    assert.equal(deep.status, 400);
    assert.equal(deep.body.error, 'invalid_proof');
    const long = `${b64(JSON.stringify({ alg: 'ES256', pad: 'x'.repeat(MAX_JWT_LENGTH.proof) }))}.${b64('{}')}.AAAA`;
    const tooLong = await w.credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [long] } });
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error, 'invalid_proof');
    assert.match(tooLong.body.error_description, /characters long/);
  });

  it('refuses an oversized DPoP header with invalid_dpop_proof, and nested authorization_details with invalid_authorization_details', async () => {
    const dpop = `${b64(JSON.stringify({ typ: 'dpop+jwt', pad: 'x'.repeat(MAX_JWT_LENGTH.dpop) }))}.${b64('{}')}.AAAA`;
    // A live code: an unknown one is refused before any DPoP proof is read.
    const live = await w.createOffer(issuer);
    const token = await fetch(`${issuer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', dpop },
      body: `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=${encodeURIComponent(w.preAuthorizedCode(live))}`,
    });
    assert.equal(token.status, 400);
    assert.equal(((await token.json()) as any).error, 'invalid_dpop_proof');
    const offer = await w.createOffer(issuer);
    const details = await w.tokenRequest(issuer, {
      grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
      'pre-authorized_code': w.preAuthorizedCode(offer),
      authorization_details: `[{"type":"openid_credential","credential_configuration_id":${nested(5000)}}]`,
    });
    assert.equal(details.status, 400);
    assert.equal(details.body.error, 'invalid_authorization_details');
  });

  it('answers 431 to a request head over HEADER_LIMIT_BYTES and 413 to a body over BODY_LIMIT_BYTES', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${issuer.localUrl}/jwks`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers: { 'x-padding': 'a'.repeat(20_000) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 431);
    const big = await fetch(`${issuer.baseUrl}/credential`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: `"${'a'.repeat(300 * 1024)}"` });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as any).error, 'invalid_request');
  });

  it('judges CBOR nested deeper than the limit, or garbage, as an invalid credential in the inspector (no 500)', async () => {
    const deepCbor = Buffer.concat([Buffer.alloc(5000, 0x81), Buffer.from([0x00])]).toString('base64url');
    for (const value of [deepCbor, Buffer.from([0xbf, 0x61, 0x61]).toString('base64url'), Buffer.from([0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).toString('base64url')]) {
      const res = await admin(issuer, 'POST', '/inspect', { kind: 'credential', value });
      assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
      assert.equal(res.body.verdict, 'invalid');
    }
    const res = await admin(issuer, 'POST', '/inspect', { kind: 'credential', value: deepCbor });
    assert.match(JSON.stringify(res.body.checks), /nested deeper than 64 levels|not CBOR/);
  });
});

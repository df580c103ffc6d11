import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactPrivateKeys } from '../../src/session-log/redact-keys.js';

/** Private JWK members are removed from whatever reaches the session log. */

const privateJwk = { kty: 'EC', crv: 'P-256', x: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', y: 'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy', d: 'SECRET-SCALAR-dddddddddddddddddddddddddddd' };
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('redactPrivateKeys', () => {
  it('removes d (and the other private members) from a JWK anywhere in JSON, keeping the public members', () => {
    const out = redactPrivateKeys({ body: { credential_response_encryption: { jwk: privateJwk } }, list: [{ kty: 'oct', k: 'c2VjcmV0' }] });
    assert.ok(!JSON.stringify(out).includes('SECRET-SCALAR'));
    assert.equal(out.body.credential_response_encryption.jwk.x, privateJwk.x);
    assert.notEqual(out.list[0].k, 'c2VjcmV0');
  });

  it('re-encodes a compact JWT whose header carries a private jwk, and a did:jwk of a private key', () => {
    const jwt = `${b64({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk })}.${b64({ htm: 'POST' })}.c2ln`;
    const out = redactPrivateKeys({ headers: { dpop: jwt } }).headers.dpop;
    const [h, p, s] = out.split('.');
    assert.equal(decode(h).jwk.x, privateJwk.x);
    assert.ok(!JSON.stringify(decode(h)).includes('SECRET-SCALAR'));
    assert.deepEqual(decode(p), { htm: 'POST' });
    assert.equal(s, 'c2ln');
    const did = `did:jwk:${b64(privateJwk)}#0`;
    const redactedDid = redactPrivateKeys(did);
    assert.match(redactedDid, /^did:jwk:[A-Za-z0-9_-]+#0$/);
    assert.ok(!Buffer.from(redactedDid.slice(8, -2), 'base64url').toString().includes('SECRET-SCALAR'));
  });

  it('returns public keys, ordinary strings and JWTs without private keys untouched (same objects)', () => {
    const { d: _d, ...publicJwk } = privateJwk;
    const data = { jwk: publicJwk, proof: `${b64({ alg: 'ES256', jwk: publicJwk })}.${b64({})}.c2ln`, n: 1, text: 'hello world, nothing here' };
    assert.equal(redactPrivateKeys(data), data);
    assert.equal(redactPrivateKeys(null), null);
  });
});

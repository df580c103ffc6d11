import assert from 'node:assert/strict';
import { ECDH, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  DidResolutionError,
  base58btcDecode,
  base58btcEncode,
  readVarint,
  resolveDidKey,
} from '../../src/crypto/did-resolver.js';

// Worked example of /work/shared/spec/did-keys.md: one P-256 key, three encodings.
const P256_DID = 'did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169';
const P256_KID = `${P256_DID}#zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169`;
const JCS_DID =
  'did:key:z2dmzD81cgPx8Vki7JbuuMmFYrWPgYoytykUZ3eyqht1j9Kbrces6mvqSLBZNhyxGmbVtMJ4FRieKjuLAQjrFgr8b8bPkeRb8wpEfY9yyB84ykd2XvSHUbkEsJMtA1e8FYn2pjQDyQQdCWmE575wZ8kwCHgXeD8YjkdmNWfk3mRNYHpagC';
const JWK_DID =
  'did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImZ5TllNTjA5NzZjaTd4cWlTZGFnM2J1ay1aQ3dnWFU0a3o5WE5rQmxOVUkiLCJ5IjoiaFcyb2pUTmZIN0piaTgtLUNKVW8zT0NiSDN5NW45MWctSU1BOU1MTWJUVSJ9';
const EXAMPLE_JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI',
  y: 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU',
};
const EXAMPLE_JCS = '{"crv":"P-256","kty":"EC","x":"fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI","y":"hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU"}';

const didKey = (bytes: number[] | Uint8Array) => `did:key:z${base58btcEncode(Uint8Array.from(bytes))}`;
const didJwk = (json: string) => `did:jwk:${Buffer.from(json).toString('base64url')}`;

function rejects(did: string, message: RegExp): void {
  assert.throws(() => resolveDidKey(did), (err: unknown) => {
    assert.ok(err instanceof DidResolutionError, `expected DidResolutionError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('base58btc and varint', () => {
  it('decodes the worked example to 80 24 | 03 | X', () => {
    const bytes = base58btcDecode(P256_DID.slice('did:key:z'.length));
    assert.equal(Buffer.from(bytes).toString('hex'), '8024037f235830dd3defa722ef1aa249d6a0ddbba4f990b0817538933f573640653542');
  });

  it('round-trips, keeping leading zero bytes as leading 1s', () => {
    for (const hex of ['', '00', '0000ff', '00010203', 'ffffffffffffffff', '8024037f2358']) {
      const bytes = Buffer.from(hex, 'hex');
      const text = base58btcEncode(bytes);
      assert.equal(Buffer.from(base58btcDecode(text)).toString('hex'), hex);
    }
    assert.equal(base58btcEncode(Buffer.from('0000', 'hex')), '11');
    assert.equal(base58btcEncode(Buffer.from('hello world')), 'StV1DL6CwTryKyV');
  });

  it('encodes d1 d6 03 ‖ JCS JSON to the worked-example jwk_jcs-pub DID', () => {
    const bytes = Buffer.concat([Buffer.from([0xd1, 0xd6, 0x03]), Buffer.from(EXAMPLE_JCS)]);
    assert.equal(didKey(bytes), JCS_DID);
  });

  it('reads LEB128 varints', () => {
    assert.deepEqual(readVarint(Uint8Array.from([0x80, 0x24])), { value: 0x1200, length: 2 });
    assert.deepEqual(readVarint(Uint8Array.from([0xd1, 0xd6, 0x03])), { value: 0xeb51, length: 3 });
    assert.deepEqual(readVarint(Uint8Array.from([0xed, 0x01, 0xff])), { value: 0xed, length: 2 });
    assert.deepEqual(readVarint(Uint8Array.from([0x00])), { value: 0, length: 1 });
    assert.deepEqual(readVarint(Uint8Array.from([0x7f])), { value: 0x7f, length: 1 });
    assert.throws(() => readVarint(Uint8Array.from([0x80])), /truncated/);
    assert.throws(() => readVarint(Uint8Array.from([0x81, 0x00])), /not minimally encoded/);
    assert.throws(() => readVarint(Uint8Array.from(new Array(10).fill(0x80))), /longer than 9 bytes/);
  });
});

describe('resolveDidKey: worked example', () => {
  it('resolves p256-pub, jwk_jcs-pub and did:jwk to the same JWK', () => {
    const p256 = resolveDidKey(P256_KID);
    const jcs = resolveDidKey(JCS_DID);
    const jwk = resolveDidKey(`${JWK_DID}#0`);
    assert.deepEqual(p256.jwk, EXAMPLE_JWK);
    assert.deepEqual(jcs.jwk, EXAMPLE_JWK);
    assert.deepEqual(jwk.jwk, EXAMPLE_JWK);
    assert.equal(p256.representation, 'did:key:p256');
    assert.equal(jcs.representation, 'did:key:jwk_jcs');
    assert.equal(jwk.representation, 'did:jwk');
  });

  it('reports fragment presence', () => {
    const withFragment = resolveDidKey(P256_KID);
    assert.equal(withFragment.did, P256_DID);
    assert.equal(withFragment.didUrl, P256_KID);
    assert.equal(withFragment.hadFragment, true);
    assert.equal(withFragment.fragment, 'zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169');

    const bare = resolveDidKey(P256_DID);
    assert.equal(bare.hadFragment, false);
    assert.equal(bare.fragment, undefined);
    assert.equal(bare.did, P256_DID);
    assert.deepEqual(bare.jwk, EXAMPLE_JWK);

    const jcsWithFragment = resolveDidKey(`${JCS_DID}#${JCS_DID.slice('did:key:'.length)}`);
    assert.equal(jcsWithFragment.hadFragment, true);

    const jwkBare = resolveDidKey(JWK_DID);
    assert.equal(jwkBare.hadFragment, false);
    assert.equal(jwkBare.did, JWK_DID);
    assert.equal(resolveDidKey(`${JWK_DID}#0`).fragment, '0');
  });
});

describe('resolveDidKey: other key types', () => {
  it('resolves the did:key spec Ed25519 example', () => {
    const r = resolveDidKey('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
    assert.equal(r.representation, 'did:key:ed25519');
    assert.deepEqual(r.jwk, { kty: 'OKP', crv: 'Ed25519', x: 'Lm_M42cB3HkUiODQsXRcweM6TByfzEHGO9ND274JcOY' });
  });

  it('resolves a fresh Ed25519 key', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const did = didKey([0xed, 0x01, ...Buffer.from(jwk.x!, 'base64url')]);
    assert.ok(did.startsWith('did:key:z6Mk'));
    assert.deepEqual(resolveDidKey(did).jwk, { kty: 'OKP', crv: 'Ed25519', x: jwk.x });
  });

  for (const [curve, crv, prefix, representation, start] of [
    ['secp256k1', 'secp256k1', [0xe7, 0x01], 'did:key:secp256k1', 'did:key:zQ3s'],
    ['secp384r1', 'P-384', [0x81, 0x24], 'did:key:p384', 'did:key:z82'],
    ['secp521r1', 'P-521', [0x82, 0x24], 'did:key:p521', 'did:key:z2J9'],
    ['prime256v1', 'P-256', [0x80, 0x24], 'did:key:p256', 'did:key:zDn'],
  ] as const) {
    it(`resolves a fresh ${crv} key`, () => {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const jwk = publicKey.export({ format: 'jwk' });
      const x = Buffer.from(jwk.x!, 'base64url');
      const y = Buffer.from(jwk.y!, 'base64url');
      const compressed = Buffer.concat([Buffer.from([(y[y.length - 1] & 1) === 1 ? 0x03 : 0x02]), x]);
      const did = didKey([...prefix, ...compressed]);
      assert.ok(did.startsWith(start), did);
      const r = resolveDidKey(did);
      assert.equal(r.representation, representation);
      assert.deepEqual(r.jwk, { kty: 'EC', crv, x: jwk.x, y: jwk.y });
    });
  }
});

describe('resolveDidKey: failures', () => {
  const p256Bytes = [...base58btcDecode(P256_DID.slice('did:key:z'.length))];

  it('unparseable DIDs', () => {
    rejects('did:key:', /unparseable DID/);
    rejects('did:key', /unparseable DID/);
    rejects('not-a-did', /unparseable DID/);
    rejects('did:key:zDn/path', /unparseable DID: paths and queries/);
    rejects('did:web:example.com', /not a self-contained DID method/);
  });

  it('not base58btc', () => {
    rejects('did:key:fDnaerDaTF5BXEav', /not base58btc: .*leading "z", found leading "f"/);
    rejects('did:key:zDnaer0aTF5BX', /not base58btc: character "0" at position 5/);
    rejects('did:key:zDnaerlaTF5BX', /not base58btc: character "l"/);
  });

  it('bad varint', () => {
    rejects(didKey([0x80]), /bad varint: .*truncated/);
    rejects(didKey([0x80, 0x80, 0x00, 0x01]), /bad varint: .*not minimally encoded/);
  });

  it('unknown multicodec', () => {
    rejects(didKey([0xec, 0x01, ...new Array(32).fill(1)]), /unknown multicodec 0xec \(x25519-pub/);
    rejects(didKey([0xb4, 0x24, 1, 2, 3]), /unknown multicodec 0x1234/);
  });

  it('wrong key length', () => {
    rejects(didKey(p256Bytes.slice(0, -1)), /wrong key length for p256-pub: 32 bytes, expected 33/);
    rejects(didKey([0xed, 0x01, ...new Array(31).fill(1)]), /wrong key length for ed25519-pub: 31 bytes, expected 32/);
    const uncompressed = ECDH.convertKey(Buffer.from(p256Bytes.slice(2)), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    rejects(didKey([0x80, 0x24, ...uncompressed]), /wrong key length for p256-pub: 65 bytes, expected 33 \(uncompressed point/);
  });

  it('invalid point', () => {
    rejects(didKey([0x80, 0x24, 0x05, ...p256Bytes.slice(3)]), /invalid point for p256-pub: .*0x02 or 0x03, found 0x5/);
    rejects(didKey([0x80, 0x24, 0x02, ...new Array(32).fill(0xff)]), /invalid point for p256-pub: the x coordinate is not on curve P-256/);
  });

  it('jwk_jcs-pub payload that is not a public JWK', () => {
    const jcs = (json: string) => didKey([0xd1, 0xd6, 0x03, ...Buffer.from(json)]);
    rejects(jcs('not json'), /jwk_jcs-pub payload is not UTF-8 JSON/);
    rejects(jcs('{"foo":1}'), /jwk_jcs-pub payload is not a public signing JWK: it has no kty/);
    rejects(jcs('[1]'), /is not a JSON object/);
    rejects(jcs(EXAMPLE_JCS.replace('"crv"', '"d":"AAAA","crv"')), /private member\(s\) d/);
    rejects(jcs(EXAMPLE_JCS.replace('"x":"f', '"x":"g')), /is not a valid P-256 public key/);
  });

  it('did:jwk that is not a public signing JWK', () => {
    rejects('did:jwk:eyJ+', /not base64url/);
    rejects(didJwk('{"kty":"EC"'), /did:jwk value is not UTF-8 JSON/);
    rejects(didJwk(JSON.stringify({ ...EXAMPLE_JWK, d: 'AAAA' })), /did:jwk value is not a public signing JWK: it contains private member\(s\) d/);
    rejects(didJwk(JSON.stringify({ ...EXAMPLE_JWK, use: 'enc' })), /has use "enc"/);
    rejects(didJwk(JSON.stringify({ kty: 'oct', k: 'AAAA' })), /private member\(s\) k/);
    rejects(didJwk(JSON.stringify({ kty: 'OKP', crv: 'X25519', x: EXAMPLE_JWK.x })), /X25519 key-agreement key/);
    rejects(didJwk(JSON.stringify({ ...EXAMPLE_JWK, x: 'AAAA' })), /x that is not 32 base64url-encoded bytes for P-256 \(got 3\)/);
    // use "sig" and extra members are fine; only key material is kept
    const r = resolveDidKey(didJwk(JSON.stringify({ ...EXAMPLE_JWK, use: 'sig', kid: 'k1' })));
    assert.deepEqual(r.jwk, EXAMPLE_JWK);
  });

  it('fragments that name no verification method', () => {
    rejects(`${P256_DID}#key-1`, /fragment "#key-1" does not match the did:key value/);
    rejects(`${P256_DID}#`, /fragment "#" does not match/);
    rejects(`${JWK_DID}#1`, /fragment "#1" does not exist: the only verification method of a did:jwk is #0/);
    rejects(`${JWK_DID}#${JWK_DID}`, /does not exist/);
  });
});

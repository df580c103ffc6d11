import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AttesterKeyError, EMPTY_TRUST_LIST, loadTrustList, resolveAttesterKey, TrustListError } from '../../src/crypto/attestation-trust.js';
import { loadOrCreateEncryptionKey } from '../../src/crypto/encryption-key.js';
import { newAttester, trustList, type Attester } from '../helpers/attestation.js';

let a: Attester;
let b: Attester;
before(async () => {
  a = await newAttester('a.test');
  b = await newAttester('b.test');
});

describe('attestation trust lists (crypto/attestation-trust.ts)', () => {
  it('trusts an x5c chain issued by a listed root, not one issued by another root', () => {
    const trust = loadTrustList(trustList({ roots: [a] }), 'T');
    const now = Date.now();
    const ok = resolveAttesterKey({ x5c: a.x5c }, trust, now);
    assert.equal(ok.trusted, true);
    assert.equal(ok.via, 'x5c');
    assert.equal(ok.candidates.length, 1);
    const other = resolveAttesterKey({ x5c: b.x5c }, trust, now);
    assert.equal(other.trusted, false);
    assert.match(other.reason, /none of the 1 trusted root/);
    assert.equal(other.candidates.length, 1, 'still verifiable: the leaf key is known');
  });

  it('a chain outside its validity or out of order is an error, not a trust question', () => {
    const trust = loadTrustList(trustList({ roots: [a] }), 'T');
    assert.throws(() => resolveAttesterKey({ x5c: a.x5c }, trust, Date.now() + 30 * 86_400_000), AttesterKeyError);
    assert.throws(() => resolveAttesterKey({ x5c: [...a.x5c, ...b.x5c] }, trust, Date.now()), /not issued and signed by x5c\[1\]/);
    // The certificate in base64url; a random certificate's base64 may hold no "+" or "/" at all
    // (that made this case flaky), so one url-safe character is forced in then.
    const urlSafe = Buffer.from(a.x5c[0], 'base64').toString('base64url');
    const sample = /[-_]/.test(urlSafe) ? urlSafe : `${urlSafe.slice(0, -1)}-`;
    assert.throws(() => resolveAttesterKey({ x5c: [sample] }, trust, Date.now()), /looks base64url-encoded/);
  });

  it('kid and jwk: trusted when listed; an unknown kid leaves nothing to verify with', () => {
    const trust = loadTrustList(trustList({ keys: [a] }), 'T');
    assert.equal(resolveAttesterKey({ kid: a.kid }, trust, Date.now()).trusted, true);
    assert.equal(resolveAttesterKey({ jwk: a.publicJwk }, trust, Date.now()).trusted, true);
    const unknownKid = resolveAttesterKey({ kid: 'nobody' }, trust, Date.now());
    assert.equal(unknownKid.trusted, false);
    assert.deepEqual(unknownKid.candidates, []);
    const inline = resolveAttesterKey({ jwk: b.publicJwk }, trust, Date.now());
    assert.equal(inline.trusted, false);
    assert.match(inline.reason, /anyone can sign/);
    assert.equal(resolveAttesterKey({}, EMPTY_TRUST_LIST, Date.now()).via, 'none');
  });

  it('reads PEM files and JSON files; a broken list names every problem', () => {
    const read = (p: string) => (p === 'root.pem' ? a.rootPem : p === 'list.json' ? JSON.stringify({ x509_roots: ['root.pem'] }) : (() => { throw new Error('ENOENT'); })());
    assert.equal(loadTrustList('root.pem', 'T', read).roots.length, 1);
    assert.equal(loadTrustList('list.json', 'T', read).roots.length, 1);
    assert.throws(() => loadTrustList('missing.json', 'T', read), TrustListError);
    const err = (() => {
      try {
        loadTrustList(JSON.stringify({ jwks: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, { kty: 'oct', k: 'x' }], x509_roots: [42], extra: 1 }), 'WALLET_ATTESTATION_TRUST');
      } catch (e) {
        return e as Error;
      }
      throw new Error('no error');
    })();
    assert.ok(err instanceof TrustListError);
    for (const part of ['jwks[0]', 'jwks[1]', 'x509_roots must be', 'unknown member extra']) assert.ok(err.message.includes(part), part);
  });
});

describe('request encryption key (crypto/encryption-key.ts)', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'issuance-lab-enc-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('is generated once (0600), then loaded with the same kid', async () => {
    const d = dir();
    const first = await loadOrCreateEncryptionKey(d);
    assert.equal(first.generated, true);
    assert.equal(first.key.publicJwk.alg, 'ECDH-ES');
    assert.equal((first.key.publicJwk as Record<string, unknown>).d, undefined);
    assert.equal(statSync(join(d, 'keys', 'credential-request-encryption.key.pem')).mode & 0o777, 0o600);
    const again = await loadOrCreateEncryptionKey(d);
    assert.equal(again.generated, false);
    assert.equal(again.key.publicJwk.kid, first.key.publicJwk.kid);
  });

  it('on a shared database the first published key wins and the others adopt it', async () => {
    const state = new Map<string, { value: string; version: number }>();
    const shared = {
      get: async (name: string) => state.get(name) ?? null,
      put: async (name: string, value: string, expected: number | null) => {
        const current = state.get(name);
        if ((current?.version ?? null) !== expected) return false;
        state.set(name, { value, version: (current?.version ?? 0) + 1 });
        return true;
      },
    };
    const one = await loadOrCreateEncryptionKey(dir(), shared);
    const two = await loadOrCreateEncryptionKey(dir(), shared);
    assert.equal(one.sharing, 'published');
    assert.equal(two.sharing, 'adopted');
    assert.equal(two.key.publicJwk.kid, one.key.publicJwk.kid);
  });
});

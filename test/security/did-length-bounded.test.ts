import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { MAX_DID_METHOD_ID_CHARS } from '../../src/crypto/did-resolver.js';
import { ProtocolError } from '../../src/core/diagnostics.js';
import { clearProofKeyCaches, proofKeyCacheBytes, resolveProofKey } from '../../src/protocol/oid4vci/proofs/proof-key.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createOffer, credentialRequest, fetchNonce, newHolderKey, redeem } from '../helpers/wallet.js';

/**
 * A kid is wallet input: DID lengths are bounded before decoding (base58 is quadratic: a
 * 24,000-character did:key cost ~400 ms per credential request), and what the proof key caches
 * keep is bounded in bytes and keyed by a digest (10,000 junk 23 KB did:jwk kids grew the heap
 * by 225 MB, and it stayed).
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const base58Junk = (n: number) => Array.from(randomBytes(n), (b) => B58[b % 58]).join('');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('a long did:key kid at /credential', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('is refused with invalid_proof (proof.jwt.did_invalid) at no more cost than a short bad kid (ratio of medians < 3)', async (t) => {
    const offer = await createOffer(issuer);
    const token = await redeem(issuer, offer);
    const signer = await newHolderKey();
    const request = async (kid: string) => {
      const proof = await new SignJWT({ aud: issuer.baseUrl, nonce: await fetchNonce(issuer) })
        .setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', kid })
        .setIssuedAt()
        .sign(signer.privateKey);
      const started = process.hrtime.bigint();
      const res = await credentialRequest(issuer, token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_proof');
      return ms;
    };
    const [long, short]: number[][] = [[], []];
    for (let i = 0; i < 5; i++) {
      long.push(await request(`did:key:z${base58Junk(24_000)}`));
      short.push(await request(`did:key:z${base58Junk(40)}`));
    }
    t.diagnostic(`24,000-character kid ${median(long).toFixed(1)} ms, 40-character kid ${median(short).toFixed(1)} ms (medians of 5)`);
    assert.ok(median(long) < 3 * median(short), `long kid ${median(long).toFixed(1)} ms vs short kid ${median(short).toFixed(1)} ms`);
    const logs = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error&limit=100`)).body.logs as { data?: { code?: string; reason?: string } }[];
    assert.ok(logs.some((l) => l.data?.code === 'proof.jwt.did_invalid' && /characters long/.test(l.data.reason ?? '')), 'the refusal names the length');
  });
});

describe('the proof key caches', () => {
  const gc = (() => {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  })();
  const heapAfterGc = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const jwk = (() => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { kty, crv, x, y } = publicKey.export({ format: 'jwk' });
    return { kty, crv, x, y };
  })();
  /** A valid did:jwk of one key, made distinct (and `chars` long) by a junk member. */
  const paddedDidJwk = (chars: number) => {
    const base = JSON.stringify({ ...jwk, junk: '' });
    const pad = randomBytes(Math.ceil(chars * 0.75)).toString('base64url').slice(0, Math.max(0, Math.floor((chars * 3) / 4) - base.length));
    return `did:jwk:${Buffer.from(JSON.stringify({ ...jwk, junk: pad })).toString('base64url')}#0`;
  };
  const resolve = (kid: string) => resolveProofKey({ kid }, 'ES256', { path: 'proofs.jwt[0]', found: {}, warnings: [] });

  it('refuse 2,000 distinct 23 KB did:jwk kids without keeping them (heap flat)', (t) => {
    clearProofKeyCaches();
    const before = heapAfterGc();
    for (let i = 0; i < 2000; i++) {
      assert.throws(() => resolve(paddedDidJwk(23_000)), (e: unknown) => e instanceof ProtocolError && e.diagnostic.code === 'proof.jwt.did_invalid');
    }
    const grown = heapAfterGc() - before;
    t.diagnostic(`heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
    assert.ok(grown < 8 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
  });

  it('keep at most their byte budget of 10,000 distinct valid kids of the largest accepted length', (t) => {
    clearProofKeyCaches();
    const before = heapAfterGc();
    for (let i = 0; i < 10_000; i++) assert.equal(resolve(paddedDidJwk(MAX_DID_METHOD_ID_CHARS - 8)).keySource, 'did:jwk');
    const grown = heapAfterGc() - before;
    t.diagnostic(`heap grew by ${(grown / 1048576).toFixed(1)} MiB; the caches estimate ${(proofKeyCacheBytes() / 1048576).toFixed(1)} MiB`);
    assert.ok(proofKeyCacheBytes() <= 12 * 1024 * 1024, `caches hold ${proofKeyCacheBytes()} bytes`);
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${(grown / 1048576).toFixed(1)} MiB`);
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { loadConfig } from '../../src/config/config.js';
import { fixedClock } from '../../src/core/clock.js';
import { ProtocolError } from '../../src/core/diagnostics.js';
import { createDpopNonce } from '../../src/protocol/oauth/dpop-nonce.js';
import { asResourceError, verifyDpopProof, type DpopRequest } from '../../src/protocol/oauth/dpop.js';
import { RequestRecorder } from '../../src/session-log/request-recorder.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';

/**
 * verifyDpopProof (RFC 9449 §4.3) against a fixed clock and an in-memory store: freshness
 * window, nonces, ath, key material and replay, each by its diagnostic code.
 */

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const URL_TOKEN = 'https://issuer.example/tenant/token';
let store: Store;
const clock = fixedClock(T0);
const config = loadConfig({ PUBLIC_URL: 'https://issuer.example/tenant', DPOP_NONCE_TTL_SECONDS: '120', DPOP_PROOF_MAX_AGE_SECONDS: '300', PROOF_IAT_SKEW_SECONDS: '60' });
const nonceConfig = loadConfig({ PUBLIC_URL: 'https://issuer.example/tenant', DPOP_NONCE_REQUIRED: 'true', DPOP_NONCE_TTL_SECONDS: '120' });
const deps = () => ({ store, clock, config, serverSecret: 'unit-test-secret' });
const rec = () => new RequestRecorder(clock, 'req_test', 'token');

let key: CryptoKey;
let jwk: Record<string, unknown>;
before(async () => {
  store = await openStore({ dataDir: ':memory:' });
  const pair = await generateKeyPair('ES256', { extractable: true });
  key = pair.privateKey;
  const full = await exportJWK(pair.publicKey);
  jwk = { kty: full.kty, crv: full.crv, x: full.x, y: full.y };
});
after(async () => store.close());

let counter = 0;
async function proof(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ htm: 'POST', htu: URL_TOKEN, jti: `jti-${++counter}`, iat: Math.floor(clock.nowMs() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk, ...header } as never)
    .sign(key);
}

async function code(request: Partial<DpopRequest> & { header: DpopRequest['header'] }, d = deps()): Promise<string> {
  try {
    await verifyDpopProof(d, { method: 'POST', url: URL_TOKEN, ...request }, rec());
    return 'ok';
  } catch (err) {
    if (err instanceof ProtocolError) return err.diagnostic.code;
    throw err;
  }
}

describe('verifyDpopProof', () => {
  it('accepts a fresh proof, ignoring query and default port in htu, and returns the key thumbprint', async () => {
    const verified = await verifyDpopProof(deps(), { header: await proof({ htu: 'https://ISSUER.example:443/tenant/token?x=1#f' }), method: 'POST', url: URL_TOKEN }, rec());
    assert.match(verified!.jkt, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(await verifyDpopProof(deps(), { header: undefined, method: 'POST', url: URL_TOKEN }, rec()), null);
  });

  it('refuses iat outside the window: older than DPOP_PROOF_MAX_AGE_SECONDS or beyond the skew ahead', async () => {
    const now = Math.floor(clock.nowMs() / 1000);
    assert.equal(await code({ header: await proof({ iat: now - 301 }) }), 'dpop.proof.iat');
    assert.equal(await code({ header: await proof({ iat: now - 299 }) }), 'ok');
    assert.equal(await code({ header: await proof({ iat: now + 61 }) }), 'dpop.proof.iat');
    assert.equal(await code({ header: await proof({ iat: 'soon' }) }), 'dpop.proof.iat');
  });

  it('refuses a replayed jti for the same key, atomically under concurrency', async () => {
    const header = await proof({ jti: 'same-jti' });
    const results = await Promise.all(Array.from({ length: 8 }, () => code({ header })));
    assert.equal(results.filter((r) => r === 'ok').length, 1);
    assert.equal(results.filter((r) => r === 'dpop.proof.jti_replayed').length, 7);
  });

  it('requires ath for a presented access token and checks it', async () => {
    const token = 'access-token-value';
    const ath = createHash('sha256').update(token).digest('base64url');
    assert.equal(await code({ header: await proof(), accessToken: token }), 'dpop.proof.ath_missing');
    assert.equal(await code({ header: await proof({ ath: 'x'.repeat(43) }), accessToken: token }), 'dpop.proof.ath_mismatch');
    assert.equal(await code({ header: await proof({ ath }), accessToken: token }), 'ok');
  });

  it('refuses typ, alg, private or missing jwk, bad signatures and several headers by their codes', async () => {
    assert.equal(await code({ header: await proof({}, { typ: 'jwt' }) }), 'dpop.proof.typ');
    const hs = await new SignJWT({ htm: 'POST', htu: URL_TOKEN, jti: 'h', iat: Math.floor(clock.nowMs() / 1000) }).setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt' }).sign(new Uint8Array(32));
    assert.equal(await code({ header: hs }), 'dpop.proof.alg_unsupported');
    assert.equal(await code({ header: await proof({}, { jwk: { ...jwk, d: 'AAAA' } }) }), 'dpop.proof.jwk_invalid');
    const other = await exportJWK((await generateKeyPair('ES256')).publicKey);
    assert.equal(await code({ header: await proof({}, { jwk: other }) }), 'dpop.proof.signature');
    assert.equal(await code({ header: [await proof(), await proof()] }), 'dpop.proof.multiple');
    assert.equal(await code({ header: 'not.a.jwt' }), 'dpop.proof.malformed');
    assert.equal(await code({ header: await proof({ htm: 'PUT' }) }), 'dpop.proof.htm');
    assert.equal(await code({ header: await proof({ htu: 'https://issuer.example/tenant/credential' }) }), 'dpop.proof.htu');
  });

  it('server nonces: required → use_dpop_nonce with a fresh DPoP-Nonce; valid for DPOP_NONCE_TTL_SECONDS; forged ones refused', async () => {
    const nd = { store, clock, config: nonceConfig, serverSecret: 'unit-test-secret' };
    let refusal: ProtocolError | undefined;
    try {
      await verifyDpopProof(nd, { header: await proof(), method: 'POST', url: URL_TOKEN }, rec());
    } catch (err) {
      refusal = err as ProtocolError;
    }
    assert.equal(refusal?.error, 'use_dpop_nonce');
    const nonce = refusal!.headers['dpop-nonce'];
    assert.ok(nonce);
    assert.equal(await code({ header: await proof({ nonce }) }, nd), 'ok');
    clock.advance(119_000);
    assert.equal(await code({ header: await proof({ nonce }) }, nd), 'ok');
    clock.advance(2_000);
    assert.equal(await code({ header: await proof({ nonce }) }, nd), 'dpop.nonce.invalid');
    const fresh = createDpopNonce(nd);
    assert.equal(await code({ header: await proof({ nonce: `${fresh.slice(0, -1)}${fresh.endsWith('A') ? 'B' : 'A'}` }) }, nd), 'dpop.nonce.invalid');
    assert.equal(await code({ header: await proof({ nonce: fresh }) }, { ...nd, serverSecret: 'another-deployment' }), 'dpop.nonce.invalid');
  });

  it('asResourceError turns DPoP failures into 401 with a DPoP challenge, keeping DPoP-Nonce', async () => {
    let err: unknown;
    try {
      await verifyDpopProof({ store, clock, config: nonceConfig, serverSecret: 's' }, { header: await proof(), method: 'POST', url: URL_TOKEN }, rec());
    } catch (e) {
      err = asResourceError(e);
    }
    const pe = err as ProtocolError;
    assert.equal(pe.status, 401);
    assert.match(pe.headers['www-authenticate'], /^DPoP error="use_dpop_nonce", algs="ES256/);
    assert.ok(pe.headers['dpop-nonce']);
  });
});

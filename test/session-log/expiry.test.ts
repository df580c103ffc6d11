import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { fixedClock } from '../../src/core/clock.js';
import { loadRuntime } from '../../src/runtime.js';
import { newHolderKey, signProof } from '../helpers/wallet.js';

/** Expiry of share links and deferred transactions, in-process with a fixed clock (no waiting on wall time). */

const ADMIN = 'test-admin-token-0123456789';
const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const clock = fixedClock(Date.UTC(2026, 10, 29, 12));
let dataDir: string;
let app: FastifyInstance;
let close: () => Promise<void>;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-expiry-'));
  const runtime = await loadRuntime(loadConfig({ DATA_DIR: dataDir, ADMIN_TOKEN: ADMIN, DEFERRED_TTL_SECONDS: '120', PUBLIC_URL: 'http://localhost:8080' }), clock);
  app = await buildApp(runtime.deps);
  close = async () => {
    await app.close();
    await runtime.deps.store.close();
  };
});
after(async () => {
  await close();
  rmSync(dataDir, { recursive: true, force: true });
});

const adminCall = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
  const r = await app.inject({ method, url, headers: { authorization: `Bearer ${ADMIN}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  return { status: r.statusCode, body: r.body ? JSON.parse(r.body) : undefined };
};

describe('expiry (fixed clock)', () => {
  it('a share link works until expires_in has passed, then answers 404', async () => {
    const offer = await adminCall('POST', '/credential_offers', { credential_configuration_ids: [CONFIG] });
    const share = await adminCall('POST', `/sessions/${offer.body.session_id}/share`, { expires_in: 600 });
    assert.equal(share.status, 201);
    const path = new URL(share.body.url).pathname;
    assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200);
    clock.advance(599_000);
    assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 200);
    clock.advance(2_000);
    assert.equal((await app.inject({ method: 'GET', url: path })).statusCode, 404);
  });

  it('a deferred transaction_id expires: invalid_transaction_id with the expired diagnostic, even after claims are supplied', async () => {
    const offer = await adminCall('POST', '/credential_offers', { credential_configuration_ids: [CONFIG], deferred: true });
    const code = offer.body.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
    const token = await app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code }).toString(),
    });
    const accessToken = JSON.parse(token.body).access_token;
    const nonce = JSON.parse((await app.inject({ method: 'POST', url: '/nonce' })).body).c_nonce;
    const key = await newHolderKey();
    const proof = await signProof(key, { aud: 'http://localhost:8080', nonce, iat: Math.floor(clock.nowMs() / 1000) });
    const bearer = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
    const credential = await app.inject({ method: 'POST', url: '/credential', headers: bearer, payload: JSON.stringify({ credential_configuration_id: CONFIG, proofs: { jwt: [proof] } }) });
    assert.equal(credential.statusCode, 202, credential.body);
    const transactionId = JSON.parse(credential.body).transaction_id;

    clock.advance(121_000);
    const sample = { given_name: 'Late', family_name: 'Wallet', birthdate: '1990-01-01', nationalities: ['DE'], issuing_authority: 'X', issuing_country: 'DE', date_of_expiry: '2035-01-01', age_equal_or_over: { '18': true }, place_of_birth: { country: 'DE' } };
    assert.equal((await adminCall('POST', `/sessions/${offer.body.session_id}/claims`, { credential_configuration_id: CONFIG, claims: sample })).body.transactions_ready, 0);
    const late = await app.inject({ method: 'POST', url: '/deferred_credential', headers: bearer, payload: JSON.stringify({ transaction_id: transactionId }) });
    assert.equal(late.statusCode, 400);
    assert.equal(JSON.parse(late.body).error, 'invalid_transaction_id');
    const logs = (await adminCall('GET', `/sessions/${offer.body.session_id}/logs?level=error`)).body.logs;
    assert.deepEqual(logs.map((l: { data: { code: string } }) => l.data.code), ['deferred.transaction_id.expired']);
  });
});

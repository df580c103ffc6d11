import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { catalogue } from '../../src/core/diagnostics.js';
import { loadCredentialConfigurations } from '../../src/credential-configurations/load.js';
import type { InspectContext } from '../../src/inspector/context.js';
import { detectKind, inspect, type InspectResult } from '../../src/inspector/inspect.js';
import { jwkJcsDidKey, sampleChain, sampleKey, signJws, type SampleKey } from './samples.js';

const ISSUER = 'https://issuer.example/tenant';
const NOW = 1_750_000_000;
const ctx = (over: Partial<InspectContext> = {}): InspectContext => ({
  nowSeconds: NOW,
  ignoreTime: false,
  expected: { aud: ISSUER },
  proofPolicy: { iatSkewSeconds: 60, maxAgeSeconds: 300, nonceRequired: true },
  configurations: loadCredentialConfigurations(),
  ...over,
});

const byCheck = (r: InspectResult, check: string) => r.checks.find((c) => c.check === check);
const failed = (r: InspectResult) => r.checks.filter((c) => c.status === 'fail').map((c) => c.check);
const failedCodes = (r: InspectResult) => r.checks.filter((c) => c.status === 'fail').map((c) => c.code);

let key: SampleKey;
const proofHeader = () => ({ typ: 'openid4vci-proof+jwt', jwk: key.jwk });
const proofPayload = (over: Record<string, unknown> = {}) => ({ aud: ISSUER, iat: NOW, nonce: 'c-nonce-1', ...over });

before(async () => {
  key = await sampleKey();
});

describe('inspector: jwt key proofs (OID4VCI 1.0 App. F)', () => {
  it('a good jwk proof passes every check, and the kind is detected from typ', async () => {
    const r = await inspect(ctx(), { value: await signJws(key, proofHeader(), proofPayload()) });
    assert.equal(r.kind, 'proof');
    assert.match(r.kind_source, /typ openid4vci-proof\+jwt/);
    assert.equal(r.verdict, 'valid', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    for (const check of ['proof.structure', 'proof.typ', 'proof.alg', 'proof.key', 'proof.signature', 'proof.aud', 'proof.iat', 'proof.nonce']) {
      assert.equal(byCheck(r, check)?.status, 'pass', check);
    }
    assert.equal(r.keys[0].thumbprint, await calculateJwkThumbprint(key.jwk));
  });

  it('a real-world proof whose kid is a jwk_jcs-pub did:key (Dart wallet shape: kid, typ, alg; iss = the DID) is valid and its key resolved', async () => {
    const did = jwkJcsDidKey(key.jwk);
    assert.match(did, /^did:key:z2dmzD81cgPx8Vki7JbuuMmFYrWPgYoytykUZ3eyqht1j9Kb/);
    const jwt = await signJws(key, { kid: `${did}#${did.slice(8)}`, typ: 'openid4vci-proof+jwt' }, { aud: ISSUER, iss: did, iat: NOW, nonce: 'UrG20ekYgeecvmhVdx5xsmSTQF6V5A' });
    const r = await inspect(ctx(), { kind: 'proof', value: jwt });
    assert.equal(r.verdict, 'valid', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.equal(r.keys.length, 1);
    assert.equal(r.keys[0].source, 'header.kid (did:key:jwk_jcs)');
    assert.deepEqual(r.keys[0].jwk, key.jwk);
    assert.equal(r.keys[0].did, `${did}#${did.slice(8)}`);
  });

  it('lists every failure at once (typ JWT, aud = endpoint URL, old iat, no nonce), each with its catalogue code', async () => {
    const jwt = await signJws(key, { ...proofHeader(), typ: 'JWT' }, { aud: `${ISSUER}/credential`, iat: NOW - 3600 });
    const r = await inspect(ctx(), { kind: 'proof', value: jwt });
    assert.equal(r.verdict, 'invalid');
    assert.deepEqual(failedCodes(r), ['proof.jwt.typ', 'proof.jwt.aud', 'proof.jwt.iat_skew', 'proof.jwt.nonce_missing']);
    assert.equal(byCheck(r, 'proof.signature')?.status, 'pass', 'the signature is still checked');
    assert.match(byCheck(r, 'proof.aud')!.detail, /looks like an endpoint URL/);
    for (const c of r.checks.filter((x) => x.status === 'fail')) assert.ok(Object.hasOwn(catalogue, c.code!), c.code);
  });

  it('a payload altered after signing fails the signature check (proof.jwt.signature); ignore_time skips iat', async () => {
    const [h, , s] = (await signJws(key, proofHeader(), proofPayload({ iat: NOW - 86_400 }))).split('.');
    const altered = Buffer.from(JSON.stringify(proofPayload({ iat: NOW - 86_400, nonce: 'other' }))).toString('base64url');
    const r = await inspect(ctx({ ignoreTime: true }), { kind: 'proof', value: `${h}.${altered}.${s}` });
    assert.deepEqual(failedCodes(r), ['proof.jwt.signature']);
    assert.equal(byCheck(r, 'proof.iat')?.status, 'skip');
  });

  it('key in both jwk and kid: proof.jwt.multiple_keys; expected nonce differs: proof.jwt.nonce_unknown', async () => {
    const jwt = await signJws(key, { ...proofHeader(), kid: 'key-1' }, proofPayload());
    const r = await inspect(ctx({ expected: { aud: ISSUER, nonce: 'c-nonce-2' } }), { kind: 'proof', value: jwt });
    assert.deepEqual(failedCodes(r), ['proof.jwt.multiple_keys', 'proof.jwt.nonce_unknown']);
    assert.equal(byCheck(r, 'proof.signature')?.status, 'skip');
  });

  it('without expected aud the aud check is skipped and the value shown', async () => {
    const r = await inspect(ctx({ expected: {} }), { kind: 'proof', value: await signJws(key, proofHeader(), proofPayload()) });
    assert.equal(byCheck(r, 'proof.aud')?.status, 'skip');
    assert.match(byCheck(r, 'proof.aud')!.detail, /issuer\.example/);
  });
});

describe('inspector: DPoP proofs (RFC 9449)', () => {
  const dpop = (over: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    signJws(key, { typ: 'dpop+jwt', jwk: key.jwk, ...header }, { jti: 'j-1', htm: 'POST', htu: `${ISSUER}/token`, iat: NOW, ...over });
  const expected = { htm: 'POST', htu: `${ISSUER}/token` };

  it('a good DPoP proof is valid against the expected htm/htu', async () => {
    const r = await inspect(ctx({ expected }), { value: await dpop() });
    assert.equal(r.kind, 'dpop');
    assert.equal(r.verdict, 'valid', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.equal(r.keys[0].source, 'header.jwk');
  });

  it('wrong htu, missing jti and a stale iat are each reported with the dpop catalogue codes', async () => {
    const r = await inspect(ctx({ expected }), { kind: 'dpop', value: await dpop({ jti: undefined, htu: `${ISSUER}/credential`, iat: NOW - 3600 }) });
    assert.deepEqual(failed(r).sort(), ['dpop.htu', 'dpop.iat', 'dpop.jti'].sort());
    for (const c of r.checks.filter((x) => x.status === 'fail')) assert.ok(c.code === undefined || Object.hasOwn(catalogue, c.code), c.code);
  });

  it('no jwk in the header: the key check fails and the signature is not checked', async () => {
    const r = await inspect(ctx({ expected }), { kind: 'dpop', value: await dpop({}, { jwk: undefined, kid: 'k' }) });
    assert.ok(failed(r).includes('dpop.jwk'));
    assert.equal(byCheck(r, 'dpop.signature')?.status, 'skip');
  });
});

describe('inspector: wallet and key attestations (OID4VCI 1.0 App. D, E)', () => {
  it('a wallet attestation with an x5c chain and its PoP (concatenated form) verifies, with a warning for the old form', async () => {
    const { leafKey, x5c } = await sampleChain(NOW * 1000);
    const instance = await sampleKey();
    const att = await signJws(leafKey, { typ: 'oauth-client-attestation+jwt', x5c }, { iss: 'https://wallet-provider.example', sub: 'wallet-client', exp: NOW + 3600, iat: NOW, cnf: { jwk: instance.jwk }, wallet_name: 'Test Wallet' });
    const pop = await signJws(instance, { typ: 'oauth-client-attestation-pop+jwt' }, { iss: 'wallet-client', aud: ISSUER, jti: 'p-1', iat: NOW, challenge: 'ch-1' });
    const r = await inspect(ctx({ expected: { aud: ISSUER, nonce: 'ch-1' } }), { value: `${att}~${pop}` });
    assert.equal(r.kind, 'wallet_attestation');
    assert.equal(r.verdict, 'valid_with_warnings', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.deepEqual(r.checks.filter((c) => c.status === 'warn').map((c) => c.check), ['wallet_attestation.concatenated']);
    assert.equal(byCheck(r, 'wallet_attestation.pop.signature')?.status, 'pass');
    assert.deepEqual(r.keys.map((k) => k.source), ['x5c[0]', 'cnf.jwk']);
  });

  it('an expired wallet attestation without cnf, signed by another key than its x5c, fails those checks', async () => {
    const { x5c } = await sampleChain(NOW * 1000);
    const att = await signJws(key, { typ: 'oauth-client-attestation+jwt', x5c }, { sub: 'wallet-client', exp: NOW - 10 });
    const r = await inspect(ctx(), { kind: 'wallet_attestation', value: att });
    assert.deepEqual(failed(r).sort(), ['wallet_attestation.cnf.jwk', 'wallet_attestation.exp', 'wallet_attestation.signature'].sort());
  });

  it('a key attestation with attested keys verifies; the draft 15 typ is a warning, an empty attested_keys a failure', async () => {
    const { leafKey, x5c } = await sampleChain(NOW * 1000);
    const good = await signJws(leafKey, { typ: 'key-attestation+jwt', x5c }, { iat: NOW, exp: NOW + 600, attested_keys: [key.jwk], key_storage: ['iso_18045_high'] });
    const r = await inspect(ctx(), { value: good });
    assert.equal(r.kind, 'key_attestation');
    assert.equal(r.verdict, 'valid', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.ok(r.keys.some((k) => k.source === 'attested_keys[0]'));
    const old = await signJws(leafKey, { typ: 'keyattestation+jwt', x5c }, { iat: NOW, exp: NOW + 600, attested_keys: [] });
    const r2 = await inspect(ctx(), { value: old });
    assert.equal(byCheck(r2, 'key_attestation.typ')?.status, 'warn');
    assert.deepEqual(failed(r2), ['key_attestation.attested_keys']);
  });
});

describe('inspector: credential requests (OID4VCI 1.0 §8.2)', () => {
  it('a 1.0 request with a good proof for a shipped configuration is valid', async () => {
    const body = { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [await signJws(key, proofHeader(), proofPayload())] } };
    const r = await inspect(ctx(), { value: body });
    assert.equal(r.kind, 'credential_request');
    assert.equal(r.verdict, 'valid', JSON.stringify(r.checks.filter((c) => c.status !== 'pass')));
    assert.equal(byCheck(r, 'credential_request.proofs.jwt[0].signature')?.status, 'pass');
  });

  it('the draft shape (format + singular proof) is named, with the catalogue codes: served with warnings, refused in strict mode', async () => {
    const body = JSON.stringify({ format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proof: { proof_type: 'jwt', jwt: 'x' } });
    const lenient = await inspect(ctx(), { value: body });
    assert.deepEqual(lenient.checks.filter((c) => c.status === 'warn' && c.code?.startsWith('draft.')).map((c) => c.code), ['draft.request.format', 'draft.proof.singular']);
    assert.match(byCheck(lenient, 'credential_request.identifier')!.detail, /draft 13\/14/);
    assert.equal(byCheck(lenient, 'credential_request.proofs.jwt[0].structure')?.status, 'fail', 'the singular proof is inspected like proofs.jwt[0]');
    const strict = await inspect({ ...ctx(), strict: true }, { value: body });
    assert.deepEqual(failedCodes(strict), ['credential.request.legacy_format', 'credential.proof.legacy_singular']);
  });

  it('a batch with one key twice and an unknown configuration: proof.jwt.duplicate_key and credential.configuration.unknown', async () => {
    const proof = await signJws(key, proofHeader(), proofPayload());
    const r = await inspect(ctx(), { kind: 'credential_request', value: { credential_configuration_id: 'nope', proofs: { jwt: [proof, proof] } } });
    assert.deepEqual(failedCodes(r), ['credential.configuration.unknown', 'proof.jwt.duplicate_key']);
  });
});

describe('inspector: kind detection', () => {
  it('detects by typ, by claims and by shape, and gives up on noise', async () => {
    assert.equal(detectKind({ a: 1 })?.kind, 'credential_request');
    assert.equal(detectKind(await signJws(key, {}, { htm: 'POST', htu: 'https://x' }))?.kind, 'dpop');
    assert.equal(detectKind(await signJws(key, {}, { aud: 'x', iat: 1 }))?.kind, 'proof');
    assert.equal(detectKind('a.b.c~d~')?.kind, 'credential');
    assert.equal(detectKind('not anything!'), undefined);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../helpers/lab.js';
import { newHolderKey, signProof, type HolderKey } from '../helpers/wallet.js';

/**
 * Draft 13–15 request shapes: each is served in lenient mode, answered in the shape
 * the wallet spoke, with a warning naming the draft; and refused in strict mode — globally
 * (STRICT_MODE) and per offer (strict: true) — with the catalogue's diagnostic.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const MDOC = 'eu.europa.ec.eudi.pid_mdoc';
const MDL = 'org.iso.18013.5.1.mDL';
const JWT_VC = 'org.example.employee_jwt_vc';

let lenient: Lab;
let strict: Lab;
before(async () => {
  [lenient, strict] = await Promise.all([startLab(), startLab({ STRICT_MODE: 'true' })]);
});
after(async () => {
  await Promise.all([lenient.close(), strict.close()]);
});

async function ready(lab: Lab, offerBody: Record<string, unknown> = {}) {
  const offer = await lab.offer(offerBody);
  const token = await lab.redeem(offer);
  assert.equal(token.status, 200, JSON.stringify(token.body));
  const key = await newHolderKey();
  return { offer, token: token.body, key, proof: async (nonce?: string) => signProof(key, { aud: lab.issuer, nonce: nonce ?? (await lab.nonce()) }) };
}

const singular = (jwt: string) => ({ proof_type: 'jwt', jwt });
const decodePayload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('~')[0].split('.')[1], 'base64url').toString());

async function expectRefused(lab: Lab, sessionId: string, res: { status: number; body: any }, error: string, code: string) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  const entry = (await lab.logs(sessionId)).find((l) => l.level === 'error' && l.data?.code === code);
  assert.ok(entry, `error ${code} logged`);
  for (const field of ['reason', 'expected', 'help', 'spec_ref']) assert.ok(entry.data[field], field);
  return entry.data;
}

async function warning(lab: Lab, sessionId: string, code: string) {
  const entry = (await lab.logs(sessionId)).find((l) => l.level === 'warning' && l.data?.code === code);
  assert.ok(entry, `warning ${code} logged`);
  return entry.data;
}

describe('singular proof (drafts 13-15)', () => {
  it('is served as proofs with one element, answered in the 1.0 shape, with the draft.proof.singular warning', async () => {
    const s = await ready(lenient);
    const res = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proof: singular(await s.proof()) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.credentials.length, 1, 'draft 15 responses already carry credentials[]');
    assert.equal(res.body.credential, undefined);
    const w = await warning(lenient, s.offer.session_id, 'draft.proof.singular');
    assert.equal(w.path, 'body.proof');
    assert.match(w.spec_ref, /OID4VCI 1\.0 §8\.2/);
    assert.match(w.reason, /drafts 13 to 15/);
  });

  it('is refused with credential.proof.legacy_singular under STRICT_MODE', async () => {
    const s = await ready(strict);
    const res = await strict.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proof: singular(await s.proof()) });
    const d = await expectRefused(strict, s.offer.session_id, res, 'invalid_credential_request', 'credential.proof.legacy_singular');
    assert.match(d.reason, /STRICT_MODE/);
  });

  it('is refused with credential.proof.legacy_singular for an offer with strict: true', async () => {
    const s = await ready(lenient, { strict: true });
    const res = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proof: singular(await s.proof()) });
    const d = await expectRefused(lenient, s.offer.session_id, res, 'invalid_credential_request', 'credential.proof.legacy_singular');
    assert.match(d.reason, /strict of the offer/);
  });

  it('refuses a singular proof without the member its proof_type names', async () => {
    const s = await ready(lenient);
    const res = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proof: { proof_type: 'jwt', jtw: await s.proof() } });
    await expectRefused(lenient, s.offer.session_id, res, 'invalid_credential_request', 'credential.request.malformed');
  });
});

describe('format-based credential request (drafts 13-14)', () => {
  it('vc+sd-jwt with vct: served as the dc+sd-jwt configuration, answered with top-level credential, format and a fresh c_nonce', async () => {
    const s = await ready(lenient);
    const res = await lenient.credential(s.token.access_token, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proofs: { jwt: [await s.proof()] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(typeof res.body.credential, 'string', 'draft 13/14: credential at the top level');
    assert.equal(res.body.credentials, undefined);
    assert.equal(res.body.format, 'vc+sd-jwt', 'the format as the wallet named it');
    assert.match(res.body.c_nonce, /^d14\./);
    assert.equal(res.body.c_nonce_expires_in, lenient.deps.config.ttl.nonceSeconds);
    assert.equal(decodePayload(res.body.credential).vct, 'urn:eudi:pid:1');
    const codes = await lenient.codes(s.offer.session_id);
    for (const code of ['draft.format.vc_sd_jwt', 'draft.request.format', 'draft.response.credential']) assert.ok(codes.includes(code), code);
    const w = await warning(lenient, s.offer.session_id, 'draft.request.format');
    assert.match(w.reason, new RegExp(`configuration ${SD_JWT.replace(/\./g, '\\.')}`));
  });

  it('the c_nonce of a draft 14 credential response works for the next request and is recognised as draft.token.c_nonce', async () => {
    const s = await ready(lenient);
    const first = await lenient.credential(s.token.access_token, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proofs: { jwt: [await s.proof()] } });
    assert.equal(first.status, 200);
    const key = await newHolderKey();
    const next = await lenient.credential(s.token.access_token, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proofs: { jwt: [await signProof(key, { aud: lenient.issuer, nonce: first.body.c_nonce })] } });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.ok((await lenient.codes(s.offer.session_id)).includes('draft.token.c_nonce'));
  });

  it('mso_mdoc with doctype and a singular proof (draft 13): both shapes served, one credential', async () => {
    const s = await ready(lenient, { credential_configuration_ids: [MDL] });
    const res = await lenient.credential(s.token.access_token, { format: 'mso_mdoc', doctype: 'org.iso.18013.5.1.mDL', proof: singular(await s.proof()) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.credential, /^[A-Za-z0-9_-]+$/);
    const codes = await lenient.codes(s.offer.session_id);
    for (const code of ['draft.proof.singular', 'draft.request.format', 'draft.response.credential']) assert.ok(codes.includes(code), code);
  });

  it('jwt_vc_json with credential_definition.type: several proofs get credentials as a plain array (draft 14)', async () => {
    const s = await ready(lenient, { credential_configuration_ids: [JWT_VC] });
    const nonce = await lenient.nonce();
    const keys: HolderKey[] = [await newHolderKey(), await newHolderKey()];
    const proofs = await Promise.all(keys.map((k) => signProof(k, { aud: lenient.issuer, nonce })));
    const res = await lenient.credential(s.token.access_token, { format: 'jwt_vc_json', credential_definition: { type: ['EmployeeCredential', 'VerifiableCredential'] }, proofs: { jwt: proofs } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.credentials.length, 2);
    assert.ok(res.body.credentials.every((c: unknown) => typeof c === 'string'), 'raw strings, not {credential} objects');
  });

  it('a format no configuration has: unknown_credential_configuration naming the configurations there are', async () => {
    const s = await ready(lenient);
    const res = await lenient.credential(s.token.access_token, { format: 'mso_mdoc', doctype: 'org.example.unknown.1', proofs: { jwt: [await s.proof()] } });
    const d = await expectRefused(lenient, s.offer.session_id, res, 'unknown_credential_configuration', 'credential.configuration.unknown');
    assert.match(d.expected, /mso_mdoc with doctype eu\.europa\.ec\.eudi\.pid\.1/);
  });

  it('a format of a configuration the token does not cover: insufficient_scope', async () => {
    const s = await ready(lenient);
    const res = await lenient.credential(s.token.access_token, { format: 'mso_mdoc', doctype: 'eu.europa.ec.eudi.pid.1', proofs: { jwt: [await s.proof()] } });
    assert.equal(res.status, 403);
    assert.equal(res.body.error, 'insufficient_scope');
    assert.ok((await lenient.codes(s.offer.session_id)).includes('credential.configuration.not_granted'));
  });

  it('is refused with credential.request.legacy_format under STRICT_MODE and for strict offers', async () => {
    for (const [lab, body] of [[strict, {}], [lenient, { strict: true }]] as const) {
      const s = await ready(lab, { credential_configuration_ids: [MDOC], ...body });
      const res = await lab.credential(s.token.access_token, { format: 'mso_mdoc', doctype: 'eu.europa.ec.eudi.pid.1', proofs: { jwt: [await s.proof()] } });
      const d = await expectRefused(lab, s.offer.session_id, res, 'invalid_credential_request', 'credential.request.legacy_format');
      assert.equal(d.path, 'body.format');
    }
  });
});

describe('c_nonce in the token response (drafts up to 14)', () => {
  it('lenient: the token response carries a single-use c_nonce; a proof using it is served with draft.token.c_nonce', async () => {
    const s = await ready(lenient);
    assert.match(s.token.c_nonce, /^d14\./);
    assert.equal(s.token.c_nonce_expires_in, lenient.deps.config.ttl.nonceSeconds);
    const res = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await s.proof(s.token.c_nonce)] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const w = await warning(lenient, s.offer.session_id, 'draft.token.c_nonce');
    assert.match(w.spec_ref, /§7$/);
    const again = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await s.proof(s.token.c_nonce)] } });
    assert.equal(again.body.error, 'invalid_nonce', 'single-use like every c_nonce');
  });

  it('strict: no c_nonce in the token response, and a draft 14 proof without nonce is refused with proof.jwt.nonce_missing', async () => {
    const s = await ready(strict);
    assert.equal(s.token.c_nonce, undefined);
    assert.equal(s.token.c_nonce_expires_in, undefined);
    const res = await strict.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await signProof(s.key, { aud: strict.issuer })] } });
    await expectRefused(strict, s.offer.session_id, res, 'invalid_proof', 'proof.jwt.nonce_missing');
  });

  it('a strict offer on a lenient issuer gets no c_nonce either', async () => {
    const s = await ready(lenient, { strict: true });
    assert.equal(s.token.c_nonce, undefined);
  });
});

describe('deferred issuance answered in the draft shape', () => {
  it('draft 15 (singular proof): issuance_pending (400) while not ready, with the warning; then credentials[]', async () => {
    const s = await ready(lenient, { deferred: true });
    const first = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proof: singular(await s.proof()) });
    assert.equal(first.status, 202);
    const poll = await lenient.deferred(s.token.access_token, { transaction_id: first.body.transaction_id });
    assert.equal(poll.status, 400);
    assert.equal(poll.body.error, 'issuance_pending');
    assert.equal(poll.body.interval, lenient.deps.config.deferred.intervalSeconds);
    const w = await warning(lenient, s.offer.session_id, 'draft.deferred.issuance_pending');
    assert.match(w.spec_ref, /§9\.2/);
    const supplied = await lenient.admin('POST', `/sessions/${s.offer.session_id}/claims`, { credential_configuration_id: SD_JWT, claims: lenient.deps.configurations.byId.get(SD_JWT)!.issuance.sample_claims });
    assert.equal(supplied.status, 200, JSON.stringify(supplied.body));
    const done = await lenient.deferred(s.token.access_token, { transaction_id: first.body.transaction_id });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.equal(done.body.credentials.length, 1);
  });

  it('draft 14 (format-based): the delivered credential comes at the top level', async () => {
    const s = await ready(lenient, { deferred: true });
    const first = await lenient.credential(s.token.access_token, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proofs: { jwt: [await s.proof()] } });
    assert.equal(first.status, 202);
    assert.equal((await lenient.deferred(s.token.access_token, { transaction_id: first.body.transaction_id })).body.error, 'issuance_pending');
    await lenient.admin('POST', `/sessions/${s.offer.session_id}/claims`, { credential_configuration_id: SD_JWT, claims: lenient.deps.configurations.byId.get(SD_JWT)!.issuance.sample_claims });
    const done = await lenient.deferred(s.token.access_token, { transaction_id: first.body.transaction_id });
    assert.equal(done.status, 200);
    assert.equal(typeof done.body.credential, 'string');
  });

  it('a 1.0 request to a deferred offer still polls on 202', async () => {
    const s = await ready(lenient, { deferred: true });
    const first = await lenient.credential(s.token.access_token, { credential_configuration_id: SD_JWT, proofs: { jwt: [await s.proof()] } });
    const poll = await lenient.deferred(s.token.access_token, { transaction_id: first.body.transaction_id });
    assert.equal(poll.status, 202);
    assert.ok(!(await lenient.codes(s.offer.session_id)).some((c) => c.startsWith('draft.')), 'no draft warning for a 1.0 wallet');
  });
});

describe('user_pin (drafts 11-12)', () => {
  it('is read as tx_code in lenient mode and refused with token.tx_code.legacy_user_pin_refused in strict mode', async () => {
    for (const lab of [lenient, strict]) {
      const offer = await lab.offer({ grants: { pre_authorized_code: { tx_code: true } } });
      const { tx_code: txCode, ...withoutTx } = offer;
      const res = await lab.redeem(withoutTx, { user_pin: txCode });
      if (lab === lenient) {
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.ok((await lab.codes(offer.session_id)).includes('token.tx_code.legacy_user_pin'));
      } else {
        await expectRefused(lab, offer.session_id, res, 'invalid_request', 'token.tx_code.legacy_user_pin_refused');
      }
    }
  });
});

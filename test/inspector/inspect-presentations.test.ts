import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issue, presentMdoc, presentSdJwt, sessionTranscriptBytes, type HeldCredential } from '../helpers/holder.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The inspector reads what a wallet presents: an SD-JWT+KB, a vp_token object, a KB-JWT alone,
 * an mdoc DeviceResponse, made by holder libraries (@sd-jwt/sd-jwt-vc, @animo-id/mdoc) from
 * credentials this issuer issued. Checked against the expected values given, with the verifier's
 * own checks and catalogue codes; what needs a value that was not given is skipped.
 */

let issuer: RunningIssuer;
let pid: HeldCredential;
let pidMdoc: HeldCredential;
const CLIENT_ID = 'x509_san_dns:verifier.example';
const NONCE = 'n-0S6_WzA2Mj';
const RESPONSE_URI = 'https://verifier.example/oid4vp/response';

before(async () => {
  issuer = await startIssuer();
  pid = await issue(issuer, 'eu.europa.ec.eudi.pid_vc_sd_jwt');
  pidMdoc = await issue(issuer, 'eu.europa.ec.eudi.pid_mdoc');
});
after(async () => {
  await issuer?.stop();
  issuer?.cleanup();
});

const inspectApi = async (body: unknown) => {
  const r = await admin(issuer, 'POST', '/inspect', body);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const byStatus = (body: any, status: string) => body.checks.filter((c: any) => c.status === status).map((c: any) => c.check);
const check = (body: any, name: string) => body.checks.find((c: any) => c.check === name);

describe('inspector: presentations', () => {
  it('an SD-JWT+KB is detected as a presentation and passes every check against the expected client_id and nonce', async () => {
    const presentation = await presentSdJwt(pid, { given_name: true, family_name: true }, { nonce: NONCE, aud: CLIENT_ID });
    const body = await inspectApi({ value: presentation, expected: { aud: CLIENT_ID, nonce: NONCE } });
    assert.equal(body.kind, 'vp_token');
    assert.match(body.kind_source, /KB-JWT/);
    assert.equal(body.verdict, 'valid', JSON.stringify(body.checks.filter((c: any) => c.status !== 'pass'), null, 1));
    for (const name of ['issuer_signature', 'issuer_trust', 'disclosures', 'kb_signature', 'kb_nonce', 'kb_aud', 'kb_iat', 'kb_sd_hash']) assert.equal(check(body, `vp_token.presentation[0].${name}`)?.status, 'pass', name);
    assert.equal(check(body, 'vp_token.presentation[0].status').status, 'skip', 'status lists are not fetched for a pasted value');
    assert.deepEqual(body.decoded.presentation[0].disclosed.given_name, 'Erika');
    assert.equal(body.decoded.presentation[0].kb_jwt.payload.nonce, NONCE);
  });

  it('names the failures with the verifier codes, and skips what needs a value not given', async () => {
    const presentation = await presentSdJwt(pid, { given_name: true }, { nonce: NONCE, aud: CLIENT_ID });
    const wrong = await inspectApi({ value: presentation, expected: { aud: 'x509_san_dns:other.example', nonce: 'another-nonce' } });
    assert.equal(wrong.verdict, 'invalid');
    assert.deepEqual(byStatus(wrong, 'fail'), ['vp_token.presentation[0].kb_nonce', 'vp_token.presentation[0].kb_aud']);
    assert.equal(check(wrong, 'vp_token.presentation[0].kb_nonce').code, 'vp.kb_jwt.nonce_mismatch');
    assert.equal(check(wrong, 'vp_token.presentation[0].kb_aud').spec_ref, 'OID4VP 1.0 Appendix B.3.6');
    const none = await inspectApi({ value: presentation });
    assert.deepEqual(byStatus(none, 'fail'), []);
    assert.match(check(none, 'vp_token.presentation[0].kb_nonce').detail, /give the nonce/);
    // A forged disclosure is caught with the verifier's code.
    const [jwt, ...rest] = presentation.split('~');
    const forged = Buffer.from(JSON.stringify(['c2FsdHNhbHRzYWx0c2FsdA', 'given_name', 'Mallory'])).toString('base64url');
    const tampered = await inspectApi({ value: [jwt, forged, ...rest.slice(1)].join('~'), expected: { aud: CLIENT_ID, nonce: NONCE } });
    assert.equal(check(tampered, 'vp_token.presentation[0].disclosures').code, 'vp.sd_jwt.disclosure_unreferenced');
  });

  it('a 1.0 vp_token object: each presentation under its credential query id; a draft array is named', async () => {
    const presentation = await presentSdJwt(pid, { family_name: true }, { nonce: NONCE, aud: CLIENT_ID });
    const body = await inspectApi({ value: JSON.stringify({ pid: [presentation] }), expected: { aud: CLIENT_ID, nonce: NONCE } });
    assert.equal(body.kind, 'vp_token');
    assert.equal(check(body, 'vp_token.structure').status, 'pass');
    assert.equal(check(body, 'vp_token.pid[0].kb_signature').status, 'pass');
    const draft = await inspectApi({ kind: 'vp_token', value: JSON.stringify([presentation]), expected: { aud: CLIENT_ID, nonce: NONCE } });
    assert.equal(check(draft, 'vp_token.structure').code, 'draft.vp.response_shape');
  });

  it('a KB-JWT alone: nonce, aud and iat checked; signature and sd_hash need the SD-JWT', async () => {
    const presentation = await presentSdJwt(pid, { given_name: true }, { nonce: NONCE, aud: CLIENT_ID });
    const kb = presentation.slice(presentation.lastIndexOf('~') + 1);
    const body = await inspectApi({ value: kb, expected: { aud: CLIENT_ID, nonce: 'not-the-nonce' } });
    assert.equal(body.kind, 'kb_jwt');
    assert.equal(check(body, 'kb_jwt.typ').status, 'pass');
    assert.equal(check(body, 'kb_jwt.aud').status, 'pass');
    assert.equal(check(body, 'kb_jwt.nonce').code, 'vp.kb_jwt.nonce_mismatch');
    assert.equal(check(body, 'kb_jwt.signature').status, 'skip');
  });

  it('an mdoc DeviceResponse: detected, device signature checked over the SessionTranscript of the expected values', async () => {
    const transcript = sessionTranscriptBytes({ clientId: CLIENT_ID, nonce: NONCE, jwkThumbprint: null, responseUri: RESPONSE_URI });
    const response = await presentMdoc(pidMdoc, { 'eu.europa.ec.eudi.pid.1': ['given_name', 'birth_date'] }, transcript);
    const body = await inspectApi({ value: response, expected: { aud: CLIENT_ID, nonce: NONCE, response_uri: RESPONSE_URI } });
    assert.equal(body.kind, 'device_response');
    assert.equal(body.verdict, 'valid', JSON.stringify(body.checks.filter((c: any) => c.status !== 'pass'), null, 1));
    assert.equal(check(body, 'device_response.device_signature').status, 'pass');
    assert.equal(body.decoded.disclosed['eu.europa.ec.eudi.pid.1'].birth_date, '1984-01-12');
    const other = await inspectApi({ value: response, expected: { aud: CLIENT_ID, nonce: 'another-nonce', response_uri: RESPONSE_URI } });
    assert.equal(check(other, 'device_response.device_signature').code, 'vp.mdoc.device_signature');
    const partial = await inspectApi({ value: response, expected: { aud: CLIENT_ID, nonce: NONCE } });
    assert.equal(check(partial, 'device_response.device_signature').status, 'skip');
    // The issued credential itself (IssuerSigned) is still a credential.
    assert.equal((await inspectApi({ value: pidMdoc.credential })).kind, 'credential');
  });
});

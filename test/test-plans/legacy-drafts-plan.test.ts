import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { zRunReport, zStartedRun } from '../../src/schemas/test-plans.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { credentialRequest, newHolderKey, preAuthorizedCode, signProof, tokenRequest } from '../helpers/wallet.js';

/**
 * The legacy-drafts plan judges what wallets of drafts 13 to 15 send with warnings, naming each
 * draft shape by its catalogue code, while the credential is still issued. The requests are
 * hand-made on purpose: they are the draft shapes under test.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

it('a draft-shaped wallet gets warnings naming each draft shape, and a credential', async () => {
  const started = zStartedRun.parse((await admin(issuer, 'POST', '/test_plans/legacy-drafts/runs', {})).body);
  const run = (await (await fetch(started.run_url)).json()) as { cases: { case_id: string; offer_url: string; tx_code?: string }[] };
  const offerOf = async (offerUrl: string) => {
    const uri = new URL(offerUrl).searchParams.get('credential_offer_uri')!;
    return { credential_offer: await (await fetch(uri)).json() };
  };

  // Drafts 13-14: format-based request, singular proof, the token response's c_nonce.
  const shapes = run.cases.find((c) => c.case_id === 'draft-shapes')!;
  const offer = await offerOf(shapes.offer_url);
  const token = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) });
  assert.equal(token.status, 200);
  const key = await newHolderKey();
  const jwt = await signProof(key, { aud: issuer.baseUrl, nonce: token.body.c_nonce });
  const credential = await credentialRequest(issuer, token.body.access_token, { format: 'vc+sd-jwt', vct: 'urn:eudi:pid:1', proof: { proof_type: 'jwt', jwt } });
  assert.equal(credential.status, 200, credential.text);

  // Drafts 11-12: user_pin instead of tx_code, then a 1.0 credential request.
  const pin = run.cases.find((c) => c.case_id === 'draft-tx-code')!;
  const pinOffer = await offerOf(pin.offer_url);
  const pinToken = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(pinOffer), user_pin: pin.tx_code! });
  assert.equal(pinToken.status, 200, JSON.stringify(pinToken.body));
  const nonce = (await (await fetch(`${issuer.baseUrl}/nonce`, { method: 'POST' })).json()) as { c_nonce: string };
  const pinCredential = await credentialRequest(issuer, pinToken.body.access_token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [await signProof(key, { aud: issuer.baseUrl, nonce: nonce.c_nonce })] } });
  assert.equal(pinCredential.status, 200, pinCredential.text);

  const report = zRunReport.parse((await admin(issuer, 'GET', `/test_plan_runs/${started.run_id}`)).body);
  const byCase = Object.fromEntries(report.cases.map((c) => [c.case_id, c]));
  assert.equal(byCase['draft-shapes'].verdict, 'warning');
  const shapesX = Object.fromEntries(byCase['draft-shapes'].expectations.map((x) => [x.id, x]));
  assert.equal(shapesX.no_draft_shapes.verdict, 'warning');
  assert.match(shapesX.no_draft_shapes.detail, /draft\.proof\.singular/);
  assert.match(shapesX.no_draft_shapes.detail, /draft\.token\.c_nonce/);
  assert.equal(shapesX.nonce_endpoint_used.verdict, 'warning');
  assert.equal(shapesX.credential_issued.verdict, 'pass');

  assert.equal(byCase['draft-tx-code'].verdict, 'warning');
  const pinX = Object.fromEntries(byCase['draft-tx-code'].expectations.map((x) => [x.id, x]));
  assert.match(pinX.no_draft_shapes.detail, /token\.tx_code\.legacy_user_pin/);
  assert.equal(pinX.tx_code_sent.verdict, 'pass');
  assert.equal(pinX.credential_issued.verdict, 'pass');
  assert.deepEqual(report.summary, { pass: 0, fail: 0, warning: 2, not_reached: 0 });
});

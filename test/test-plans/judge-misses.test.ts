import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { zRunReport, zStartedRun } from '../../src/schemas/test-plans.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { credentialRequest, newHolderKey, preAuthorizedCode, signProof, tokenRequest } from '../helpers/wallet.js';

/**
 * Misses no reference wallet mode makes, by hand-made requests: an offer URI fetched twice
 * where it may be fetched once, and a credential stored without a notification (a SHOULD,
 * judged as a warning).
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

it('a second fetch of a single-fetch offer fails offer_fetched_once; no notification is a warning', async () => {
  const robust = zStartedRun.parse((await admin(issuer, 'POST', '/test_plans/robustness/runs', {})).body);
  const single = robust.cases.find((c) => c.case_id === 'single-fetch-offer')!;
  const uri = new URL(single.offer_url).searchParams.get('credential_offer_uri')!;
  assert.equal((await fetch(uri)).status, 200);
  assert.notEqual((await fetch(uri)).status, 200, 'the second fetch is refused');
  const robustReport = zRunReport.parse((await admin(issuer, 'GET', `/test_plan_runs/${robust.run_id}`)).body);
  const once = robustReport.cases.find((c) => c.case_id === 'single-fetch-offer')!.expectations.find((x) => x.kind === 'offer_fetched_once')!;
  assert.equal(once.verdict, 'fail');
  assert.equal(once.evidence.length, 2, 'both fetches');
  assert.match(once.detail, /2 times/);

  const core = zStartedRun.parse((await admin(issuer, 'POST', '/test_plans/oid4vci-core/runs', {})).body);
  const first = core.cases.find((c) => c.case_id === 'pre-authorized')!;
  const offer = { credential_offer: await (await fetch(new URL(first.offer_url).searchParams.get('credential_offer_uri')!)).json() };
  const token = await tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': preAuthorizedCode(offer) });
  const nonce = ((await (await fetch(`${issuer.baseUrl}/nonce`, { method: 'POST' })).json()) as { c_nonce: string }).c_nonce;
  const key = await newHolderKey();
  const res = await credentialRequest(issuer, token.body.access_token, { credential_configuration_id: 'eu.europa.ec.eudi.pid_vc_sd_jwt', proofs: { jwt: [await signProof(key, { aud: issuer.baseUrl, nonce })] } });
  assert.equal(res.status, 200, res.text);
  const coreReport = zRunReport.parse((await admin(issuer, 'GET', `/test_plan_runs/${core.run_id}`)).body);
  const judged = coreReport.cases.find((c) => c.case_id === 'pre-authorized')!;
  assert.equal(judged.verdict, 'warning');
  assert.deepEqual(Object.fromEntries(judged.expectations.map((x) => [x.id, x.verdict])), { nonce_endpoint_used: 'pass', credential_issued: 'pass', notification_sent: 'warning' });
  assert.equal(coreReport.state, 'running', 'the other cases are still to do');
});

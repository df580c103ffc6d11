import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { zRunReport, zStartedRun } from '../../src/schemas/test-plans.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * A wallet built on the real @openid4vc/openid4vci client (not the reference wallet) works
 * through a whole oid4vci-core run, reading its cases from the run link as a wallet would, and
 * every case passes.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

it('a wallet on @openid4vc/openid4vci passes every case of oid4vci-core', async () => {
  const started = zStartedRun.parse((await admin(issuer, 'POST', '/test_plans/oid4vci-core/runs', {})).body);
  const runLink = await fetch(started.run_url);
  assert.equal(runLink.status, 200);
  const run = (await runLink.json()) as { cases: { case_id: string; offer_url: string; tx_code?: string }[] };
  assert.deepEqual(run.cases.map((c) => c.case_id), started.cases.map((c) => c.case_id));

  for (const c of run.cases) {
    const key = await newWalletKey();
    // The batch case: two keys, two proofs in one credential request (§8.2).
    const keys = c.case_id === 'batch' ? [key, await newWalletKey()] : [key];
    const { client } = createTestWallet(keys);
    const credentialOffer = await client.resolveCredentialOffer(c.offer_url);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, ...(c.tx_code ? { txCode: c.tx_code } : {}) });
    for (const credentialConfigurationId of credentialOffer.credential_configuration_ids) {
      const { c_nonce } = await client.requestNonce({ issuerMetadata });
      const proofs = await Promise.all(keys.map(async (k) => (await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId, signer: { method: 'jwk', alg: 'ES256', publicJwk: k.publicJwk as never }, nonce: c_nonce })).jwt));
      const { credentialResponse } = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId, proofs: { jwt: proofs } });
      assert.equal(credentialResponse.credentials?.length, keys.length, c.case_id);
      if (credentialResponse.notification_id) {
        await client.sendNotification({ issuerMetadata, accessToken: accessTokenResponse.access_token, notification: { notificationId: credentialResponse.notification_id, event: 'credential_accepted' } });
      }
    }
  }

  const report = zRunReport.parse((await admin(issuer, 'GET', `/test_plan_runs/${started.run_id}`)).body);
  assert.deepEqual(
    Object.fromEntries(report.cases.map((c) => [c.case_id, c.verdict])),
    Object.fromEntries(started.cases.map((c) => [c.case_id, 'pass'])),
    JSON.stringify(report.cases.filter((c) => c.verdict !== 'pass'), null, 2),
  );
  assert.equal(report.state, 'finished');
  assert.ok(report.cases.every((c) => c.expectations.every((x) => x.evidence.length > 0)), 'every verdict links its evidence');
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Openid4vciVersion, type IssuerMetadataResult } from '@openid4vc/openid4vci';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createTestWallet, newWalletKey } from '../helpers/openid4vc-wallet.js';

/**
 * The real @openid4vc/openid4vci 0.4.6 client, told to speak draft 14 or draft 15 (its own
 * request builders and response parsers for those drafts), against this issuer over HTTP:
 * lenient mode serves it; a strict offer refuses it with the catalogue's diagnostic.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

async function codesOf(sessionId: string): Promise<string[]> {
  const logs = (await admin(issuer, 'GET', `/sessions/${sessionId}/logs?limit=500`)).body.logs as any[];
  return logs.map((l) => l.data?.code).filter(Boolean);
}

async function runAs(version: Openid4vciVersion, configurationId: string, offerOptions: Record<string, unknown> = {}) {
  const key = await newWalletKey();
  const { client } = createTestWallet([key]);
  const created = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [configurationId], ...offerOptions });
  assert.equal(created.status, 201);
  const credentialOffer = await client.resolveCredentialOffer(created.body.offer_url);
  const resolved = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  // What a wallet of that draft believes about the issuer: the library picks its request shape from this.
  const metadata: IssuerMetadataResult = { ...resolved, originalDraftVersion: version };
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata: metadata });
  // Draft 14 has no nonce endpoint: the c_nonce comes from the token response.
  const nonce = version === Openid4vciVersion.Draft14 ? (accessTokenResponse.c_nonce as string) : (await client.requestNonce({ issuerMetadata: metadata })).c_nonce;
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata: metadata,
    credentialConfigurationId: configurationId,
    signer: { method: 'jwk', alg: 'ES256', publicJwk: key.publicJwk as never },
    nonce,
  });
  const attempt = () =>
    client.retrieveCredentials({ issuerMetadata: metadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: configurationId, proof: { proof_type: 'jwt', jwt } });
  return { sessionId: created.body.session_id as string, accessTokenResponse, attempt };
}

describe('@openid4vc/openid4vci as a draft wallet', () => {
  it('draft 14: format vc+sd-jwt + vct, singular proof, c_nonce from the token response -> credential at the top level', async () => {
    const run = await runAs(Openid4vciVersion.Draft14, 'eu.europa.ec.eudi.pid_vc_sd_jwt');
    assert.match(String(run.accessTokenResponse.c_nonce), /^d14\./);
    const { credentialResponse } = await run.attempt();
    assert.equal(typeof credentialResponse.credential, 'string');
    assert.match(String(credentialResponse.credential), /~$/);
    const codes = await codesOf(run.sessionId);
    for (const code of ['draft.proof.singular', 'draft.request.format', 'draft.format.vc_sd_jwt', 'draft.token.c_nonce', 'draft.response.credential']) assert.ok(codes.includes(code), code);
  });

  it('draft 14: format mso_mdoc + doctype', async () => {
    const run = await runAs(Openid4vciVersion.Draft14, 'org.iso.18013.5.1.mDL');
    const { credentialResponse } = await run.attempt();
    assert.match(String(credentialResponse.credential), /^[A-Za-z0-9_-]+$/);
  });

  it('draft 15: credential_configuration_id with a singular proof -> credentials[]', async () => {
    const run = await runAs(Openid4vciVersion.Draft15, 'eu.europa.ec.eudi.pid_mdoc');
    const { credentialResponse } = await run.attempt();
    assert.equal(credentialResponse.credentials?.length, 1);
    const codes = await codesOf(run.sessionId);
    assert.ok(codes.includes('draft.proof.singular'));
    assert.ok(!codes.includes('draft.request.format'));
  });

  it('a strict offer refuses the singular proof of a draft 15 wallet: invalid_credential_request with the catalogue diagnostic', async () => {
    const run = await runAs(Openid4vciVersion.Draft15, 'eu.europa.ec.eudi.pid_vc_sd_jwt', { strict: true });
    await assert.rejects(run.attempt(), (error: any) => {
      assert.equal(error.response?.credentialErrorResponseResult?.data?.error, 'invalid_credential_request');
      return true;
    });
    assert.ok((await codesOf(run.sessionId)).includes('credential.proof.legacy_singular'));
  });
});

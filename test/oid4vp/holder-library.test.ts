import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { holderClient, issue, jwkThumbprint, presentMdoc, presentSdJwt, sessionTranscriptBytes, type HeldCredential } from '../helpers/holder.js';

/**
 * A real holder library completes presentations against the verifier: `@openid4vc/openid4vp`
 * resolves the signed request object by reference (JAR signature, x509_san_dns / x509_hash
 * rules) and builds and submits the response (encrypted for direct_post.jwt); the presentations
 * are made by `@sd-jwt/sd-jwt-vc` and `@animo-id/mdoc` from credentials this issuer issued in
 * the same test. The verifier's session then says verified, with the requested claims only.
 */

const JARM_SERVER_METADATA = {
  authorization_signing_alg_values_supported: ['ES256'],
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
};

let issuer: RunningIssuer;
let pidSdJwt: HeldCredential;
let pidMdoc: HeldCredential;

before(async () => {
  issuer = await startIssuer();
  pidSdJwt = await issue(issuer, 'eu.europa.ec.eudi.pid_vc_sd_jwt');
  pidMdoc = await issue(issuer, 'eu.europa.ec.eudi.pid_mdoc');
});
after(async () => {
  await issuer?.stop();
  issuer?.cleanup();
});

async function presentWithLibrary(body: Record<string, unknown>, makeVpToken: (request: any) => Promise<Record<string, string[]>>) {
  const created = await admin(issuer, 'POST', '/presentation_requests', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.request_url, /^openid4vp:\/\/\?/);
  const client = holderClient();
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: created.body.request_url });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params as never });
  const request = resolved.authorizationRequestPayload as any;
  assert.equal(resolved.jar?.signer.method, 'x5c', 'the request object is a signed JAR with x5c');
  assert.equal(request.client_id, created.body.client_id);
  const vpToken = await makeVpToken(request);
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: vpToken },
    ...(request.response_mode === 'direct_post.jwt' ? { jarm: { encryption: { nonce: request.nonce }, serverMetadata: JARM_SERVER_METADATA } } : {}),
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request, authorizationResponsePayload: response.authorizationResponsePayload, ...(response.jarm ? { jarm: { responseJwt: response.jarm.responseJwt } } : {}) });
  const answer = (await submitted.response.json()) as { redirect_uri?: string };
  const session = await admin(issuer, 'GET', `/sessions/${created.body.session_id}`);
  return { created: created.body, request, status: submitted.response.status, answer, session: session.body };
}

const sdJwtToken = (request: any) => async () => ({
  pid: [await presentSdJwt(pidSdJwt, { given_name: true, family_name: true, birthdate: true }, { nonce: request.nonce, aud: request.client_id })],
});

const mdocToken = async (request: any) => ({
  pid: [
    await presentMdoc(
      pidMdoc,
      { 'eu.europa.ec.eudi.pid.1': ['given_name', 'family_name', 'birth_date'] },
      sessionTranscriptBytes({
        clientId: request.client_id,
        nonce: request.nonce,
        jwkThumbprint: request.response_mode === 'direct_post.jwt' ? jwkThumbprint(request.client_metadata.jwks.keys[0]) : null,
        responseUri: request.response_uri,
      }),
    ),
  ],
});

describe('OpenID4VP 1.0 presentations by @openid4vc/openid4vp', () => {
  for (const responseMode of ['direct_post', 'direct_post.jwt'] as const) {
    it(`verifies a PID SD-JWT VC over ${responseMode} (x509_san_dns)`, async () => {
      const r = await presentWithLibrary({ preset: 'pid_sd_jwt', response_mode: responseMode }, (req) => sdJwtToken(req)());
      assert.equal(r.status, 200);
      assert.match(String(r.answer.redirect_uri), /\/oid4vp\/result\?response_code=/);
      assert.equal(r.session.kind, 'presentation');
      assert.equal(r.session.state, 'verified', JSON.stringify(r.session.logs.filter((l: any) => l.level !== 'debug'), null, 1));
      assert.equal(r.session.result.verified, true);
      const [credential] = r.session.result.credentials;
      assert.equal(credential.format, 'dc+sd-jwt');
      assert.equal(credential.status, 'valid');
      assert.deepEqual(credential.claims, { given_name: 'Erika', family_name: 'Mustermann', birthdate: '1984-01-12' });
      assert.deepEqual(r.session.events.map((e: any) => e.type), ['request_created', 'request_retrieved', 'response_received', 'presentation_verified']);
      // The result page the redirect_uri names shows the outcome.
      const page = await fetch(r.answer.redirect_uri!.replace(issuer.baseUrl, issuer.localUrl));
      assert.equal(page.status, 200);
      assert.match(await page.text(), /Presentation verified/);
    });

    it(`verifies a PID mdoc DeviceResponse over ${responseMode} (x509_hash)`, async () => {
      const r = await presentWithLibrary({ preset: 'pid_mdoc', response_mode: responseMode, client_id_prefix: 'x509_hash' }, mdocToken);
      assert.match(r.request.client_id, /^x509_hash:[A-Za-z0-9_-]{43}$/);
      assert.equal(r.status, 200);
      assert.equal(r.session.state, 'verified', JSON.stringify(r.session.logs.filter((l: any) => l.level !== 'debug'), null, 1));
      const [credential] = r.session.result.credentials;
      assert.equal(credential.format, 'mso_mdoc');
      assert.equal(credential.status, 'valid');
      assert.deepEqual(credential.claims, { 'eu.europa.ec.eudi.pid.1': { given_name: 'Erika', family_name: 'Mustermann', birth_date: '1984-01-12' } });
    });
  }
});

import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { holderClient, issue, presentSdJwt, type HeldCredential } from '../helpers/holder.js';

/**
 * Older wallets (digest of OpenID4VP drafts → 1.0, §8): a request created with draft_request asks
 * with a Presentation Exchange presentation_definition (drafts 22-25) or also with a bare
 * client_id and client_id_scheme (drafts 19-21). `@openid4vc/openid4vp`, which reads those drafts,
 * resolves it and names the draft; the wallet answers the pre-1.0 way (vp_token string or array
 * with presentation_submission) and the verifier judges it against the same DCQL query, with a
 * warning naming the draft. Strict mode creates no such request.
 */

const JARM_SERVER_METADATA = {
  authorization_signing_alg_values_supported: ['ES256'],
  authorization_encryption_alg_values_supported: ['ECDH-ES'],
  authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
};

let issuer: RunningIssuer;
let pid: HeldCredential;

before(async () => {
  issuer = await startIssuer();
  pid = await issue(issuer, 'eu.europa.ec.eudi.pid_vc_sd_jwt');
});
after(async () => {
  await issuer?.stop();
  issuer?.cleanup();
});

const warnings = (session: any) => session.logs.filter((l: any) => l.level === 'warning' || l.level === 'error').map((l: any) => l.data?.code);

async function presentDraft(body: Record<string, unknown>, vpTokenShape: 'string' | 'array') {
  const created = await admin(issuer, 'POST', '/presentation_requests', body);
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const client = holderClient();
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: created.body.request_url });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params as never });
  const request = resolved.authorizationRequestPayload as any;
  assert.equal(resolved.dcql, undefined, 'no dcql_query in a draft request');
  const definition = resolved.pex?.presentation_definition as any;
  assert.ok(definition, 'the library reads the presentation_definition');
  const descriptor = definition.input_descriptors[0];
  const presentation = await presentSdJwt(pid, { given_name: true, family_name: true, birthdate: true }, { nonce: request.nonce, aud: request.client_id });
  const submission = { id: 'submission-1', definition_id: definition.id, descriptor_map: [{ id: descriptor.id, format: 'dc+sd-jwt', path: vpTokenShape === 'string' ? '$' : '$[0]' }] };
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: vpTokenShape === 'string' ? presentation : [presentation], presentation_submission: submission } as never,
    ...(request.response_mode === 'direct_post.jwt' ? { jarm: { encryption: { nonce: request.nonce }, serverMetadata: JARM_SERVER_METADATA } } : {}),
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({ authorizationRequestPayload: request, authorizationResponsePayload: response.authorizationResponsePayload, ...(response.jarm ? { jarm: { responseJwt: response.jarm.responseJwt } } : {}) });
  const session = (await admin(issuer, 'GET', `/sessions/${created.body.session_id}`)).body;
  return { created: created.body, resolved, request, definition, status: submitted.response.status, session };
}

describe('older wallets: requests in draft shapes', () => {
  it('presentation_definition (drafts 22-25): the library resolves it, a string vp_token with presentation_submission is verified with a warning naming the draft', async () => {
    const r = await presentDraft({ preset: 'pid_sd_jwt', response_mode: 'direct_post', draft_request: 'presentation_definition' }, 'string');
    assert.ok(r.resolved.version < 26, `library sees draft ${r.resolved.version}`);
    assert.match(r.request.client_id, /^x509_san_dns:/);
    assert.ok(r.request.client_metadata.vp_formats, 'vp_formats, the name of drafts up to 26');
    assert.deepEqual(r.definition.input_descriptors[0].constraints.fields.map((f: any) => f.path[0]), ['$.vct', '$.given_name', '$.family_name', '$.birthdate']);
    assert.equal(r.status, 200);
    assert.equal(r.session.state, 'verified', JSON.stringify(r.session.logs.filter((l: any) => l.level !== 'debug'), null, 1));
    assert.equal(r.session.draft_request, 'presentation_definition');
    assert.deepEqual(r.session.result.credentials[0].claims, { given_name: 'Erika', family_name: 'Mustermann', birthdate: '1984-01-12' });
    const codes = warnings(r.session);
    assert.ok(codes.includes('draft.vp.request_shape'), codes.join());
    assert.ok(codes.includes('draft.vp.response_shape'), codes.join());
    const served = r.session.logs.find((l: any) => l.data?.code === 'draft.vp.request_shape');
    assert.match(served.data.reason, /drafts 22 to 25/);
  });

  it('client_id_scheme (drafts 19-21): bare client_id, client_id_scheme, KB-JWT aud = the bare id; an array vp_token over direct_post.jwt (JARM-era metadata) is verified', async () => {
    const r = await presentDraft({ preset: 'pid_sd_jwt', draft_request: 'client_id_scheme' }, 'array');
    assert.ok(r.resolved.version < 22, `library sees draft ${r.resolved.version}`);
    assert.equal(r.request.client_id, new URL(issuer.baseUrl).hostname);
    assert.equal(r.request.client_id_scheme, 'x509_san_dns');
    assert.equal(r.created.client_id_scheme, 'x509_san_dns');
    assert.equal(r.request.client_metadata.authorization_encrypted_response_alg, 'ECDH-ES');
    assert.equal(r.status, 200);
    assert.equal(r.session.state, 'verified', JSON.stringify(r.session.logs.filter((l: any) => l.level !== 'debug'), null, 1));
    assert.match(r.session.logs.find((l: any) => l.data?.code === 'draft.vp.request_shape').data.reason, /drafts 19 to 21/);
  });

  it('a presentation_submission ties each element of an array vp_token to its input descriptor (two credential queries)', async () => {
    const dcql_query = {
      credentials: [
        { id: 'names', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ path: ['family_name'] }] },
        { id: 'birth', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ path: ['birthdate'] }] },
      ],
    };
    const created = await admin(issuer, 'POST', '/presentation_requests', { dcql_query, response_mode: 'direct_post', draft_request: 'presentation_definition' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const jar = await (await fetch(created.body.request_uri.replace(issuer.baseUrl, issuer.localUrl))).text();
    const request = JSON.parse(Buffer.from(jar.split('.')[1], 'base64url').toString());
    assert.deepEqual(request.presentation_definition.input_descriptors.map((d: any) => d.id), ['names', 'birth']);
    const kb = { nonce: request.nonce, aud: request.client_id };
    const vpToken = [await presentSdJwt(pid, { birthdate: true }, kb), await presentSdJwt(pid, { family_name: true }, kb)];
    const submission = { id: 's', definition_id: request.presentation_definition.id, descriptor_map: [{ id: 'birth', format: 'dc+sd-jwt', path: '$[0]' }, { id: 'names', format: 'dc+sd-jwt', path: '$[1]' }] };
    const posted = await fetch(request.response_uri.replace(issuer.baseUrl, issuer.localUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ vp_token: JSON.stringify(vpToken), presentation_submission: JSON.stringify(submission), state: request.state }).toString(),
    });
    assert.equal(posted.status, 200, await posted.clone().text());
    const session = (await admin(issuer, 'GET', `/sessions/${created.body.session_id}`)).body;
    assert.equal(session.state, 'verified', JSON.stringify(session.logs.filter((l: any) => l.level !== 'debug'), null, 1));
    const claims = Object.fromEntries(session.result.credentials.map((c: any) => [c.credential_query_id, c.claims]));
    assert.deepEqual(claims, { birth: { birthdate: '1984-01-12' }, names: { family_name: 'Mustermann' } });
  });

  it('refuses draft requests in strict mode, for mdoc, and x509_hash with client_id_scheme, saying why', async () => {
    const strict = await admin(issuer, 'POST', '/presentation_requests', { preset: 'pid_sd_jwt', draft_request: 'presentation_definition', strict: true });
    assert.equal(strict.status, 400);
    assert.match(JSON.stringify(strict.body), /strict mode/);
    const mdoc = await admin(issuer, 'POST', '/presentation_requests', { preset: 'pid_mdoc', draft_request: 'presentation_definition' });
    assert.equal(mdoc.status, 400);
    assert.match(JSON.stringify(mdoc.body), /ISO 18013-7/);
    const hash = await admin(issuer, 'POST', '/presentation_requests', { preset: 'pid_sd_jwt', draft_request: 'client_id_scheme', client_id_prefix: 'x509_hash' });
    assert.equal(hash.status, 400);
    assert.match(JSON.stringify(hash.body), /x509_hash exists from draft 25/);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOKEN_GRANTS } from '../../src/protocol/oauth/grants/registry.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import { postForm } from '../helpers/oauth.js';

/**
 * The token endpoint dispatches by the grant registry alone: the AS metadata lists exactly the
 * registered grants, each entry's secret parameter is the one its handler reads (missing:
 * invalid_request; unknown: invalid_grant, refused before any proof is checked), and any
 * other grant_type is unsupported. A real issuer process over HTTP.
 */
describe('token endpoint grant registry', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer();
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('the AS metadata lists the registered grants, in their order', async () => {
    const metadata = (await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    assert.deepEqual(metadata.grant_types_supported, ['urn:ietf:params:oauth:grant-type:pre-authorized_code', 'authorization_code', 'refresh_token']);
    assert.deepEqual(metadata.grant_types_supported, [...TOKEN_GRANTS.keys()]);
  });

  for (const grant of TOKEN_GRANTS.values()) {
    it(`${grant.grantType}: its secret parameter ${grant.secretParameter} is the one its handler reads`, async () => {
      const missing = await postForm(`${issuer.baseUrl}/token`, { grant_type: grant.grantType });
      assert.equal(missing.status, 400);
      assert.equal(missing.body.error, 'invalid_request', JSON.stringify(missing.body));
      assert.match(missing.body.error_description, new RegExp(grant.secretParameter));
      const unknown = await postForm(`${issuer.baseUrl}/token`, { grant_type: grant.grantType, [grant.secretParameter]: 'not-issued-here' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error, 'invalid_grant', JSON.stringify(unknown.body));
    });
  }

  it('any other grant_type is unsupported', async () => {
    const res = await postForm(`${issuer.baseUrl}/token`, { grant_type: 'client_credentials' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'unsupported_grant_type');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { secretsCarried } from '../../src/http/attach-by-secret.js';
import type { ProtocolRequest } from '../../src/protocol/request.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Requests refused before their session was known still land on it when they carry one of its
 * secrets: the real issuer over a real socket, the session's log read back from the admin API.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const req = (p: Partial<ProtocolRequest>): ProtocolRequest => ({ id: 'r', endpoint: 'token', method: 'POST', path: '/token', query: '', headers: {}, clientIp: '', contentType: '', rawBody: '', body: { kind: 'empty' }, ...p });

describe('secretsCarried', () => {
  it('finds secrets in a form, a JSON body, a mislabelled body, the query and the Authorization header; misspellings included', () => {
    assert.deepEqual(secretsCarried(req({ body: { kind: 'form', pairs: [['grant_type', 'x'], ['pre_authorized_code', 'c1']] } })), [{ kind: 'pre-authorized_code', value: 'c1' }]);
    assert.deepEqual(secretsCarried(req({ body: { kind: 'json', value: { 'pre-authorized_code': 'c2', tx_code: '1' } } })), [{ kind: 'pre-authorized_code', value: 'c2' }]);
    assert.deepEqual(secretsCarried(req({ rawBody: '{"transaction_id": "t1",}', body: { kind: 'invalid_json' } as never })), [], 'broken JSON is not a form either');
    assert.deepEqual(secretsCarried(req({ rawBody: 'grant_type=a&pre-authorized_code=c3', body: { kind: 'invalid_json' } as never })), [{ kind: 'pre-authorized_code', value: 'c3' }]);
    assert.deepEqual(secretsCarried(req({ query: 'issuer_state=s1', headers: { authorization: 'DPoP tok' } })), [{ kind: 'access_token', value: 'tok' }, { kind: 'issuer_state', value: 's1' }]);
  });
});

describe('refused requests carrying a session secret land on the session', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer();
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  const sessionLogs = async (id: string) => (await admin(issuer, 'GET', `/sessions/${id}/logs?limit=500`)).body.logs as { request_id: string; message: string; level: string; data: any }[];
  const unboundIds = async () => new Set(((await admin(issuer, 'GET', '/unbound_requests/logs?limit=500')).body.logs as { request_id: string }[]).map((l: { request_id: string }) => l.request_id));

  it('a token request sent as JSON with the valid pre-authorized code, and one with a misspelled grant_type', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    const code = w.preAuthorizedCode(offer);
    const asJson = await fetch(`${issuer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': code }),
    });
    assert.equal(asJson.status, 400);
    const misspelled = await w.tokenRequest(issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:preauthorized_code', 'pre-authorized_code': code });
    assert.equal(misspelled.status, 400);
    const logs = await sessionLogs(offer.session_id);
    for (const id of [asJson.headers.get('x-request-id'), misspelled.headers.get('x-request-id')]) {
      const mine = logs.filter((l) => l.request_id === id);
      assert.ok(mine.some((l) => l.level === 'error'), `the refusal of ${id} is on the session`);
      assert.ok(mine.some((l) => l.data?.attached_by === 'pre-authorized_code'), 'says how it was attached');
      assert.ok(mine.some((l) => l.data?.status === 400), 'with its request entry');
    }
    // The code was not redeemed by the refused requests: the wallet can still use it.
    assert.equal(misspelled.body.error, 'unsupported_grant_type');
    await w.redeem(issuer, offer);
  });

  it('a credential request with a broken body carries the access token; an unknown code stays unbound', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    const accessToken = await w.redeem(issuer, offer);
    const broken = await w.credentialRequest(issuer, accessToken, '{"credential_configuration_id": ', {});
    assert.equal(broken.status, 400);
    assert.ok((await sessionLogs(offer.session_id)).some((l) => l.request_id === broken.headers.get('x-request-id')));
    const stranger = await w.tokenRequest(issuer, { grant_type: 'wrong', 'pre-authorized_code': 'not-a-code-of-any-session' });
    assert.equal(stranger.status, 400);
    assert.ok((await unboundIds()).has(stranger.headers.get('x-request-id')!), 'nothing to attach it to');
  });
});

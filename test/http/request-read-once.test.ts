import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PRE_AUTH, startLab, type Lab } from '../helpers/lab.js';

/**
 * Every wallet-facing request is read once into the value the protocol judges, and the session
 * log records that value; errors Fastify raises before a route runs go through one handler that
 * names the endpoint's own problem (a body cut short is not a credential request problem at
 * the token endpoint).
 */
let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab.close();
});

async function unboundEntriesOf(requestId: unknown): Promise<any[]> {
  const logs = (await lab.admin('GET', '/unbound_requests/logs?limit=500')).body.logs as any[];
  return logs.filter((l) => l.request_id === requestId);
}

describe('a body that does not arrive as its Content-Length says', () => {
  for (const [path, endpoint, type] of [
    ['/token', 'token', 'application/x-www-form-urlencoded'],
    ['/par', 'par', 'application/x-www-form-urlencoded'],
    ['/credential', 'credential', 'application/json'],
    ['/authorize/consent', 'authorization_consent', 'application/x-www-form-urlencoded'],
  ] as const) {
    it(`is request.body.unreadable (invalid_request) at ${endpoint}, logged under that endpoint`, async () => {
      const r = await lab.app.inject({ method: 'POST', url: path, headers: { 'content-type': type, 'content-length': '64' }, payload: 'a=1' });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(JSON.parse(r.body).error, 'invalid_request');
      assert.ok((await lab.requestCodes(r.headers['x-request-id'])).includes('request.body.unreadable'));
      const entries = await unboundEntriesOf(r.headers['x-request-id']);
      assert.ok(entries.length > 0 && entries.every((l) => l.endpoint === endpoint), JSON.stringify(entries.map((l) => l.endpoint)));
    });
  }
});

describe('the log records the request as the protocol judged it', () => {
  it('a form with a repeated parameter is refused and logged with every value', async () => {
    const offer = await lab.offer();
    const code = offer.credential_offer.grants[PRE_AUTH]['pre-authorized_code'];
    const form = `grant_type=${encodeURIComponent(PRE_AUTH)}&pre-authorized_code=${code}&tx_code=1111&tx_code=2222`;
    const r = await lab.form('/token', form);
    assert.equal(r.status, 400);
    assert.equal(r.body.error, 'invalid_request');
    const codes = await lab.requestCodes(r.headers['x-request-id'], offer.session_id);
    assert.ok(codes.includes('token.parameter.duplicated'), codes.join());
    const logs = [...(await lab.logs(offer.session_id)), ...(await unboundEntriesOf(r.headers['x-request-id']))].filter((l) => l.request_id === r.headers['x-request-id']);
    const body = logs.map((l) => l.data?.body).find((b) => b !== undefined);
    assert.ok(Array.isArray(body?.tx_code), `tx_code logged with both values: ${JSON.stringify(body)}`);
    assert.equal(body.tx_code.length, 2);
    for (const v of body.tx_code) assert.ok(!/^(1111|2222)$/.test(v), 'each value redacted');
  });

  it('a JSON body is logged parsed, and only once parsed by its content type', async () => {
    const r = await lab.app.inject({ method: 'POST', url: '/credential', headers: { 'content-type': 'text/plain', authorization: 'Bearer x' }, payload: '{"a":1}' });
    assert.equal(r.statusCode, 401);
    const entries = await unboundEntriesOf(r.headers['x-request-id']);
    assert.equal(entries.find((l) => l.data?.body !== undefined)?.data.body, '{"a":1}', 'text/plain is text, not JSON');
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, freePort, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * What logs, pages, exports and the admin API show instead of a secret must not let anyone
 * recover it offline: a 6-digit tx_code under a bare SHA-256 prefix falls to hashing all
 * million candidates. The fingerprint is an HMAC under the server secret, so it still matches
 * the same secret across entries (and across instances sharing one database), but differs
 * between deployments and cannot be brute-forced without the key.
 */

const PRE_AUTH = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';
const MARKER = /<redacted ([a-z0-9]+):([A-Za-z0-9_-]+)>/g;

function markers(text: string): { scheme: string; value: string }[] {
  return [...text.matchAll(MARKER)].map((m) => ({ scheme: m[1], value: m[2] }));
}

/**
 * The attacker's walk: hash every numeric code of this length and compare with what is shown.
 * In slices, so the test's sockets stay served while it runs.
 */
async function bruteForceNumeric(shown: string, length: number): Promise<string | null> {
  const limit = 10 ** length;
  for (let n = 0; n < limit; n++) {
    if (n % 20_000 === 0) await new Promise((r) => setImmediate(r));
    const candidate = String(n).padStart(length, '0');
    const h = createHash('sha256').update(candidate).digest('base64url');
    if (shown === h.slice(0, shown.length)) return candidate;
  }
  return null;
}

async function text(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

async function sessionViews(issuer: RunningIssuer, sessionId: string) {
  const auth = { authorization: `Bearer ${issuer.adminToken}` };
  const api = await text(`${issuer.baseUrl}/sessions/${sessionId}`, auth);
  const exportJson = await text(`${issuer.baseUrl}/sessions/${sessionId}/export?format=json`, auth);
  const har = await text(`${issuer.baseUrl}/sessions/${sessionId}/export?format=har`, auth);
  const share = await admin(issuer, 'POST', `/sessions/${sessionId}/share`, { expires_in: 600 });
  const page = await text(share.body.url);
  for (const v of [api, exportJson, har, page]) assert.equal(v.status, 200);
  return { api: api.body, exportJson: exportJson.body, har: har.body, page: page.body };
}

/** The fingerprint the token request's unknown-code entry shows for `code`. */
async function fingerprintOfUnknownCode(issuer: RunningIssuer, code: string): Promise<string> {
  const res = await w.tokenRequest(issuer, { grant_type: PRE_AUTH, 'pre-authorized_code': code });
  assert.equal(res.body.error, 'invalid_grant');
  const requestId = res.headers.get('x-request-id');
  const logs = await admin(issuer, 'GET', '/unbound_requests/logs?limit=200');
  assert.equal(logs.status, 200, JSON.stringify(logs.body));
  const entry = (logs.body.logs as { request_id: string; data: { body?: Record<string, string> } }[]).find((l) => l.request_id === requestId && l.data?.body);
  assert.ok(entry, 'the refused token request is in the unbound log');
  const shown = markers(entry.data.body!['pre-authorized_code']);
  assert.equal(shown.length, 1);
  assert.equal(shown[0].scheme, 'hmac');
  return shown[0].value;
}

describe('secret fingerprints on SQLite', () => {
  let a: RunningIssuer;
  let b: RunningIssuer;
  before(async () => {
    a = await startIssuer();
    b = await startIssuer();
  });
  after(async () => {
    for (const i of [a, b]) {
      await i?.stop();
      i?.cleanup();
    }
  });

  it('shows a tx_code only as a keyed fingerprint that hashing every 6-digit code does not find', async () => {
    const offer = await w.createOffer(a, { grants: { pre_authorized_code: { tx_code: { length: 6, input_mode: 'numeric' } } } });
    assert.match(offer.tx_code!, /^\d{6}$/);
    await w.redeem(a, offer);
    const views = await sessionViews(a, offer.session_id);
    const everything = Object.values(views).join('\n');
    const shown = markers(everything);
    assert.ok(shown.length > 0, 'the views show fingerprints');
    assert.deepEqual([...new Set(shown.map((m) => m.scheme))], ['hmac'], 'every fingerprint is keyed');
    for (const secret of [offer.tx_code!, w.preAuthorizedCode(offer)]) {
      assert.ok(!everything.includes(secret), 'no secret in clear');
      const bare = createHash('sha256').update(secret).digest('base64url').slice(0, 10);
      assert.ok(!everything.includes(bare), 'no bare hash of a secret');
    }
    // The attacker's walk on the logged token request: the tx_code's fingerprint resists it.
    const session = JSON.parse(views.api);
    const tokenEntry = session.logs.find((l: { endpoint: string; data: { body?: { tx_code?: string } } }) => l.endpoint === 'token' && l.data?.body?.tx_code);
    assert.ok(tokenEntry, 'the token request is logged with its tx_code fingerprint');
    const txFingerprint = markers(tokenEntry.data.body.tx_code)[0].value;
    assert.equal(await bruteForceNumeric(txFingerprint, 6), null);
  });

  it('gives the same secret the same fingerprint in every entry of a deployment', async () => {
    const offer = await w.createOffer(a);
    await w.redeem(a, offer);
    const session = (await admin(a, 'GET', `/sessions/${offer.session_id}`)).body;
    const inOffer = markers(JSON.stringify(session.credential_offer))[0].value;
    const tokenEntry = session.logs.find((l: { endpoint: string; data: { body?: Record<string, string> } }) => l.endpoint === 'token' && l.data?.body);
    assert.equal(markers(tokenEntry.data.body['pre-authorized_code'])[0].value, inOffer);
    const again = await fingerprintOfUnknownCode(a, 'same-secret-in-two-deployments');
    assert.equal(await fingerprintOfUnknownCode(a, 'same-secret-in-two-deployments'), again);
  });

  it('gives the same secret different fingerprints in deployments with different server secrets', async () => {
    const secret = 'same-secret-in-two-deployments';
    const fa = await fingerprintOfUnknownCode(a, secret);
    const fb = await fingerprintOfUnknownCode(b, secret);
    assert.notEqual(fa, fb);
    assert.notEqual(fa, createHash('sha256').update(secret).digest('base64url').slice(0, 10));
  });
});

describe('secret fingerprints on PostgreSQL, two instances', () => {
  let db: TestDatabase;
  let a: RunningIssuer;
  let b: RunningIssuer;
  before(async () => {
    db = await createTestDatabase('fingerprints');
    const port = await freePort();
    const env = { DATABASE_URL: db.url, PUBLIC_URL: `http://localhost:${port}` };
    a = await startIssuer({ port, env });
    const other = await startIssuer({ env });
    b = { ...other, baseUrl: other.localUrl };
  });
  after(async () => {
    for (const i of [a, b]) {
      await i?.stop();
      i?.cleanup();
    }
    await db?.drop();
  });

  it('correlates one secret across instances that share the database', async () => {
    const secret = 'one-secret-two-instances';
    assert.equal(await fingerprintOfUnknownCode(a, secret), await fingerprintOfUnknownCode(b, secret));
  });
});

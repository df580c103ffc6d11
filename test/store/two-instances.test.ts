import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { fixedClock } from '../../src/core/clock.js';
import { loadRuntime } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { admin, freePort, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Two real issuer processes on one PostgreSQL database, one credential issuer identifier
 * (PUBLIC_URL), as behind a load balancer: a wallet's requests may land on either.
 */
let db: TestDatabase;
let a: RunningIssuer;
let b: RunningIssuer;
/** The wallet helpers address `baseUrl`; these views send the same requests to one instance. */
let A: RunningIssuer;
let B: RunningIssuer;
const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';

before(async () => {
  db = await createTestDatabase('two-instances');
  const portA = await freePort();
  const env = { DATABASE_URL: db.url, PUBLIC_URL: `http://localhost:${portA}`, PURGE_INTERVAL_SECONDS: '0' };
  // Started together on an empty database: both migrate, both want to generate keys.
  [a, b] = await Promise.all([startIssuer({ port: portA, env }), startIssuer({ env })]);
  A = { ...a, baseUrl: a.localUrl };
  B = { ...b, baseUrl: b.localUrl };
});

after(async () => {
  await a?.stop();
  await b?.stop();
  a?.cleanup();
  b?.cleanup();
  await db?.drop();
});

const json = async (url: string) => (await fetch(url)).json();

it('serves one identity from both instances: same JWKS and metadata, keys generated once', async () => {
  assert.deepEqual(await json(`${A.baseUrl}/jwks`), await json(`${B.baseUrl}/jwks`));
  assert.deepEqual(
    await json(`${A.baseUrl}/.well-known/openid-credential-issuer`),
    await json(`${B.baseUrl}/.well-known/openid-credential-issuer`),
  );
  const generated = [a.output(), b.output()].filter((o) => o.includes('Generated issuer key'));
  assert.ok(generated.length <= 2);
  assert.ok([a.output(), b.output()].some((o) => o.includes('shared through the database (adopted)')), 'one instance adopted the other’s keys');
});

it('completes a flow whose steps alternate between the instances, signed with the shared key', async () => {
  const offer = await w.createOffer(A);
  const fetched = await fetch(`${B.baseUrl}/credential_offers/${offer.offer_id}`);
  assert.equal(fetched.status, 200);
  const accessToken = await w.redeem(B, offer);
  const nonce = await w.fetchNonce(A);
  const key = await w.newHolderKey();
  const proof = await w.signProof(key, { aud: a.baseUrl, nonce });
  const res = await w.credentialRequest(B, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(res.status, 200, res.text);

  // The SD-JWT issued by B verifies against the JWKS A publishes.
  const sdJwt: string = res.body.credentials[0].credential;
  const jwks = createLocalJWKSet(await json(`${A.baseUrl}/jwks`));
  await jwtVerify(sdJwt.split('~')[0], jwks);

  const session = await admin(A, 'GET', `/sessions/${offer.session_id}`);
  assert.equal(session.body.state, 'credential_issued');
  assert.deepEqual(
    session.body.events.map((e: any) => e.type),
    ['offer_created', 'offer_retrieved', 'token_exchanged', 'credential_issued'],
  );
});

it('gives exactly one access token for 20 concurrent redemptions of one code spread over both', async () => {
  const offer = await w.createOffer(B);
  const form = { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) };
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => w.tokenRequest(i % 2 ? A : B, form)));
  const ok = results.filter((r) => r.status === 200);
  assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.status)));
  for (const r of results.filter((r) => r.status !== 200)) assert.equal(r.body.error, 'invalid_grant');
});

it('accepts one c_nonce once when proofs carrying it reach both instances at the same time', async () => {
  const tokens = await Promise.all([w.createOffer(A), w.createOffer(B)].map(async (o) => w.redeem(A, await o)));
  const nonce = await w.fetchNonce(B);
  const requests = await Promise.all(
    [A, B].map(async (instance, i) => {
      const proof = await w.signProof(await w.newHolderKey(), { aud: a.baseUrl, nonce });
      return w.credentialRequest(instance, tokens[i], { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    }),
  );
  const statuses = requests.map((r) => r.status).sort();
  assert.deepEqual(statuses, [200, 400], requests.map((r) => r.text).join('\n'));
  assert.equal(requests.find((r) => r.status === 400)!.body.error, 'invalid_nonce');
});

it('shows a live view on instance B the credential issued on instance A (SSE)', async () => {
  const offer = await w.createOffer(A);
  const accessToken = await w.redeem(A, offer);
  const abort = new AbortController();
  const stream = await fetch(`${B.baseUrl}/sessions/${offer.session_id}/stream`, {
    headers: { authorization: `Bearer ${b.adminToken}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  // The stream is open (its first bytes arrived) before the credential is requested on A.
  while (!text.includes('stream open')) text += decoder.decode((await reader.read()).value, { stream: true });

  const proof = await w.signProof(await w.newHolderKey(), { aud: a.baseUrl, nonce: await w.fetchNonce(A) });
  const issued = await w.credentialRequest(A, accessToken, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
  assert.equal(issued.status, 200, issued.text);

  const guard = setTimeout(() => abort.abort(), 20_000);
  try {
    const seen = () => /event: event\ndata: [^\n]*credential_issued/.test(text) && /event: state\ndata: [^\n]*"credential_issued"/.test(text);
    while (!seen()) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    clearTimeout(guard);
    abort.abort();
  }
  assert.match(text, /event: event\ndata: [^\n]*credential_issued/, text);
  assert.match(text, /event: state\ndata: [^\n]*"credential_issued"/);
});

it('catches up after its LISTEN connection is killed: a live view on B gets every entry A commits meanwhile, once and in order', async (t) => {
  if (db.backend !== 'server') return t.skip('needs a PostgreSQL server (PGlite serves one connection and cannot terminate a backend)');
  const offer = await w.createOffer(A);
  const logIds = async () => ((await admin(A, 'GET', `/sessions/${offer.session_id}/logs?limit=500`)).body.logs as { id: string }[]).map((l) => l.id).sort();
  const before = new Set(await logIds());
  const abort = new AbortController();
  const stream = await fetch(`${B.baseUrl}/sessions/${offer.session_id}/stream`, {
    headers: { authorization: `Bearer ${b.adminToken}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  assert.equal(stream.status, 200);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('stream open')) text += decoder.decode((await reader.read()).value, { stream: true });

  // Each wallet fetch of the offer commits one log entry on A. Midway, both instances' LISTEN
  // connections are terminated; the fetches right after land while they reconnect.
  const killer = new pg.Client({ connectionString: db.url });
  await killer.connect();
  try {
    for (let i = 0; i < 40; i++) {
      if (i === 10) {
        const killed = await killer.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'issuance-lab changes' and datname = current_database()`);
        assert.equal(killed.rowCount, 2, 'one listener per instance');
      }
      assert.equal((await fetch(`${A.baseUrl}/credential_offers/${offer.offer_id}`)).status, 200);
    }
  } finally {
    await killer.end();
  }
  const expected = (await logIds()).filter((id) => !before.has(id));
  assert.ok(expected.length >= 40);

  const received = () => [...text.matchAll(/id: ([^\n]+)\nevent: log\n/g)].map((m) => m[1]);
  const guard = setTimeout(() => abort.abort(), 30_000);
  try {
    while (received().length < expected.length) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    // Anything more (a duplicate) would arrive right behind.
    const more = setTimeout(() => abort.abort(), 1000);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted: the wait is over
    }
    clearTimeout(more);
  } catch {
    // aborted by the guard: the assertion below says what was missing
  } finally {
    clearTimeout(guard);
    abort.abort();
  }
  assert.deepEqual(received(), expected, 'every entry, once, in order');
});

it('generates the admin token and the issuer keys once for every instance of a database', async () => {
  // In-process: two runtimes on the same database with separate DATA_DIRs and no ADMIN_TOKEN.
  const shared = await createTestDatabase('two-instances-runtime');
  const dirs = [mkdtempSync(join(tmpdir(), 'issuance-lab-rt-')), mkdtempSync(join(tmpdir(), 'issuance-lab-rt-'))];
  try {
    const runtimes = await Promise.all(
      dirs.map((dir) => loadRuntime(loadConfig({ DATABASE_URL: shared.url, DATA_DIR: dir }), fixedClock(Date.UTC(2027, 0, 1)))),
    );
    try {
      const [x, y] = runtimes.map((r) => r.deps);
      assert.equal(x.adminToken, y.adminToken);
      assert.deepEqual(x.keys.jwks, y.keys.jwks);
      assert.equal(x.keys.rootCertificatePem, y.keys.rootCertificatePem);
    } finally {
      for (const r of runtimes) await r.deps.store.close();
    }
  } finally {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    await shared.drop();
  }
});

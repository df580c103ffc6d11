import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import type { AuthorizationCodeRecord, AuthorizationRequestRecord } from '../../src/store/oauth-records.js';
import type { Store } from '../../src/store/store.js';

/**
 * The single-use guarantees of the authorization code flow's storage: request_uri, consent
 * decision, code and refresh rotation each succeed exactly once under concurrent attempts, and
 * revocation covers a whole family. On SQLite and on PostgreSQL (pooled connections, so the
 * concurrent attempts really race; see test/helpers/postgres.ts).
 */

const backends: { name: string; open(): Promise<{ store: Store; cleanup(): Promise<void> }> }[] = [
  { name: 'sqlite :memory:', open: async () => ({ store: await openStore({ dataDir: ':memory:' }), cleanup: async () => {} }) },
  {
    name: 'postgres',
    async open() {
      const db: TestDatabase = await createTestDatabase('oauth-store');
      return { store: await openStore({ dataDir: ':memory:', databaseUrl: db.url }), cleanup: () => db.drop() };
    },
  },
];

const T = 1_800_000_000_000;
const requested = { credentialConfigurationIds: ['a'], detailsRequested: false, scope: 'a' };

function request(id: string, extra: Partial<AuthorizationRequestRecord> = {}): AuthorizationRequestRecord {
  return {
    id, requestUriHash: `uri-${id}`, sessionId: 'ses_1', clientId: 'c', redirectUri: 'https://w/cb', state: null, codeChallenge: 'x',
    dpopJkt: null, ...requested, requestUriExpiresAt: T + 60_000, requestUriUsedAt: null, csrfHash: null, expiresAt: T + 60_000,
    decidedAt: null, createdAt: T, ...extra,
  };
}

function code(hash: string, extra: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    codeHash: hash, sessionId: 'ses_1', authorizationRequestId: 'azr', clientId: 'c', redirectUri: 'https://w/cb', codeChallenge: 'x',
    dpopJkt: null, ...requested, familyId: 'fam', expiresAt: T + 60_000, consumedAt: null, createdAt: T, ...extra,
  };
}

const once = async <R>(n: number, attempt: () => Promise<R | null | boolean>) => (await Promise.all(Array.from({ length: n }, attempt))).filter((r) => r !== null && r !== false).length;

for (const backend of backends) describe(`OAuth store: single use (${backend.name})`, () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ store, cleanup } = await backend.open());
  });
  after(async () => {
    await store.close();
    await cleanup();
  });

  it('uses a request_uri once while live, opening the consent page in the same update', async () => {
    await store.authorizations.createRequest(request('r1'));
    assert.equal(await once(10, () => store.authorizations.useRequestUri('uri-r1', T + 1, 'csrf', T + 600_000)), 1);
    const used = await store.authorizations.getRequest('r1');
    assert.equal(used?.csrfHash, 'csrf');
    assert.equal(used?.expiresAt, T + 600_000);
    await store.authorizations.createRequest(request('r2'));
    assert.equal(await store.authorizations.useRequestUri('uri-r2', T + 60_000, 'csrf', T + 600_000), null, 'expired');
  });

  it('records a consent decision once, only with the right CSRF hash and before expiry', async () => {
    await store.authorizations.createRequest(request('r3', { csrfHash: 'good' }));
    assert.equal(await store.authorizations.decide('r3', 'bad', T + 1), null);
    assert.equal(await once(10, () => store.authorizations.decide('r3', 'good', T + 1)), 1);
    await store.authorizations.createRequest(request('r4', { csrfHash: 'good' }));
    assert.equal(await store.authorizations.decide('r4', 'good', T + 60_000), null, 'expired');
  });

  it('redeems a code once, never after expiry', async () => {
    await store.authorizations.createCode(code('c1'));
    assert.equal(await once(10, () => store.authorizations.consumeCode('c1', T + 1)), 1);
    await store.authorizations.createCode(code('c2'));
    assert.equal(await store.authorizations.consumeCode('c2', T + 60_000), null);
  });

  it('rotates a refresh token once; revoking the family stops its other tokens', async () => {
    const base = { familyId: 'f1', sessionId: 'ses_1', clientId: 'c', dpopJkt: null, ...requested, expiresAt: T + 60_000, createdAt: T, rotatedAt: null, revokedAt: null };
    await store.refreshTokens.create({ ...base, tokenHash: 'rt1' });
    await store.refreshTokens.create({ ...base, tokenHash: 'rt2' });
    assert.equal(await once(10, () => store.refreshTokens.rotate('rt1', T + 1)), 1);
    assert.deepEqual(await store.refreshTokens.revokeFamily('f1', 'ses_1', 'refresh_token_reused', T + 2), { refreshTokens: 2, accessTokens: 0 });
    assert.equal(await store.refreshTokens.rotate('rt2', T + 3), null);
    assert.equal((await store.refreshTokens.peek('rt2'))?.revokedAt, T + 2);
  });

  it('accepts a DPoP jti once per key within its window, and again once the window has passed', async () => {
    assert.equal(await once(10, () => store.replay.useDpopJti('jkt', 'j', T + 1000, T)), 1);
    assert.equal(await store.replay.useDpopJti('other-jkt', 'j', T + 1000, T), true, 'another key');
    assert.equal(await store.replay.useDpopJti('jkt', 'j', T + 2000, T + 1000), true, 'window passed');
  });

  it('keeps the first server secret', async () => {
    const first = await store.secrets.getOrCreate('hmac-test', 'one', T);
    assert.equal(first, 'one');
    assert.equal(await store.secrets.getOrCreate('hmac-test', 'two', T), 'one');
  });
});

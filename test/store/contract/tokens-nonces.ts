import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AccessTokenRecord, Store } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';

export const tokenAndNonceCases: ContractCase = (ctx) => {
  it('stores an access token by hash with its details and flags', async () => {
    const t: AccessTokenRecord = {
      tokenHash: uid('tok'),
      sessionId: uid('ses'),
      grantType: 'pre-authorized_code',
      authorizationDetails: [{ type: 'openid_credential', credential_configuration_id: 'x', credential_identifiers: ['x-1', 'x-2'] }],
      detailsReturned: true,
      anonymous: false,
      clientId: null,
      dpopJkt: 'jkt',
      expiresAt: T0 + 300_000,
      createdAt: T0,
      grantId: null,
    };
    await ctx.store().tokens.create(t);
    assert.deepEqual(await ctx.store().tokens.get(t.tokenHash), { ...t, revoked: null });
    assert.equal(await ctx.store().tokens.get(uid('tok')), null);
  });

  it('counts credentials against a token up to a bound, never past it, also when requests race', async () => {
    const t: AccessTokenRecord = {
      tokenHash: uid('tok'), sessionId: uid('ses'), grantType: 'pre-authorized_code', authorizationDetails: [], detailsReturned: false,
      anonymous: true, clientId: null, dpopJkt: null, expiresAt: T0 + 300_000, createdAt: T0, grantId: null,
    };
    await ctx.store().tokens.create(t);
    assert.equal(await ctx.store().tokens.countCredentials(t.tokenHash, 3, 8), 3);
    assert.equal(await ctx.store().tokens.countCredentials(t.tokenHash, 6, 8), null, 'would pass the bound: nothing counted');
    assert.equal(await ctx.store().tokens.countCredentials(t.tokenHash, 5, 8), 8);
    assert.equal(await ctx.store().tokens.countCredentials(t.tokenHash, 1, 8), null);
    assert.equal(await ctx.store().tokens.countCredentials(uid('tok'), 1, 8), null, 'unknown token');

    const raced: AccessTokenRecord = { ...t, tokenHash: uid('tok') };
    await ctx.store().tokens.create(raced);
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2].tokens.countCredentials(raced.tokenHash, 2, 10)));
    assert.equal(results.filter((r) => r !== null).length, 5);
  });

  it('revokes every token of a grant, on every instance, also one written after the revocation', async () => {
    const family = uid('fam');
    const sessionId = uid('ses');
    const token = (grantId: string | null): AccessTokenRecord => ({
      tokenHash: uid('tok'), sessionId, grantType: 'authorization_code', authorizationDetails: [], detailsReturned: false,
      anonymous: false, clientId: 'c', dpopJkt: null, expiresAt: T0 + 300_000, createdAt: T0, grantId,
    });
    const refresh = { familyId: family, sessionId, clientId: 'c', dpopJkt: null, credentialConfigurationIds: ['x'], detailsRequested: false, scope: null, expiresAt: T0 + 600_000, createdAt: T0, rotatedAt: null, revokedAt: null };
    const before = token(family);
    const unrelated = token(uid('fam'));
    const preAuthorized = token(null);
    for (const t of [before, unrelated, preAuthorized]) await ctx.store().tokens.create(t);
    await ctx.store().refreshTokens.create({ ...refresh, tokenHash: uid('rt') });

    const other = ctx.second() ?? ctx.store();
    assert.deepEqual(await other.refreshTokens.revokeFamily(family, sessionId, 'authorization_code_reused', T0 + 1), { refreshTokens: 1, accessTokens: 1 });
    const late = token(family);
    await ctx.store().tokens.create(late);
    const lateRefresh = uid('rt');
    await ctx.store().refreshTokens.create({ ...refresh, tokenHash: lateRefresh });

    for (const store of [ctx.store(), other]) {
      assert.deepEqual((await store.tokens.get(before.tokenHash))?.revoked, { reason: 'authorization_code_reused', at: T0 + 1 });
      assert.deepEqual((await store.tokens.get(late.tokenHash))?.revoked, { reason: 'authorization_code_reused', at: T0 + 1 });
      assert.equal((await store.tokens.get(unrelated.tokenHash))?.revoked, null);
      assert.equal((await store.tokens.get(preAuthorized.tokenHash))?.revoked, null);
    }
    assert.equal(await ctx.store().refreshTokens.rotate(lateRefresh, T0 + 2), null, 'a refresh token written after the revocation does not rotate');
    // A second replay keeps the first revocation's reason and time.
    assert.deepEqual(await ctx.store().refreshTokens.revokeFamily(family, sessionId, 'refresh_token_reused', T0 + 3), { refreshTokens: 1, accessTokens: 2 });
    assert.deepEqual((await other.tokens.get(late.tokenHash))?.revoked, { reason: 'authorization_code_reused', at: T0 + 1 });
  });

  it('consumes a c_nonce once, remembering the request that fetched it', async () => {
    const n = uid('n');
    await ctx.store().nonces.create(n, T0 + 60_000, T0, 'req_1');
    assert.deepEqual(await ctx.store().nonces.peek(n), { expiresAt: T0 + 60_000, consumedAt: null });
    assert.deepEqual(await ctx.store().nonces.consume(n, T0), { requestId: 'req_1' });
    assert.equal(await ctx.store().nonces.consume(n, T0), null);
    assert.deepEqual(await ctx.store().nonces.peek(n), { expiresAt: T0 + 60_000, consumedAt: T0 });
  });

  it('refuses an expired or unknown c_nonce', async () => {
    const n = uid('n');
    await ctx.store().nonces.create(n, T0, T0 - 1000, null);
    assert.equal(await ctx.store().nonces.consume(n, T0), null);
    assert.equal(await ctx.store().nonces.consume(uid('n'), T0), null);
    assert.equal(await ctx.store().nonces.peek(uid('n')), null);
  });

  it('accepts one c_nonce once when both instances race for it', async () => {
    const n = uid('n');
    await ctx.store().nonces.create(n, T0 + 60_000, T0, null);
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2].nonces.consume(n, T0)));
    assert.equal(results.filter((r) => r !== null).length, 1);
  });
};

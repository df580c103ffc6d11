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
    };
    await ctx.store().tokens.create(t);
    assert.deepEqual(await ctx.store().tokens.get(t.tokenHash), t);
    assert.equal(await ctx.store().tokens.get(uid('tok')), null);
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

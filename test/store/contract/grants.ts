import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';
import { grant, session } from './fixtures.js';

export const grantCases: ContractCase = (ctx) => {
  const newGrant = async (overrides = {}) => {
    const s = session();
    await ctx.store().sessions.create(s);
    const g = grant(s.id, overrides);
    await ctx.store().grants.createPreAuthorized(g);
    return g;
  };

  it('consumes a pre-authorized code exactly once', async () => {
    const g = await newGrant();
    assert.deepEqual(await ctx.store().grants.peekPreAuthorized(g.codeHash), g);
    const first = await ctx.store().grants.consumePreAuthorized(g.codeHash, null, T0);
    assert.equal(first?.consumedAt, T0);
    assert.equal(await ctx.store().grants.consumePreAuthorized(g.codeHash, null, T0 + 1), null);
    assert.equal((await ctx.store().grants.peekPreAuthorized(g.codeHash))?.consumedAt, T0);
  });

  it('gives exactly one winner among 20 concurrent redemptions (split over two instances where possible)', async () => {
    const g = await newGrant();
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2].grants.consumePreAuthorized(g.codeHash, null, T0 + i)));
    assert.equal(results.filter((r) => r !== null).length, 1);
  });

  it('consumes a tx_code-protected code once: the right tx_code a second time finds nothing', async () => {
    const g = await newGrant({ txCodeHash: 'right' });
    const first = await ctx.store().grants.consumePreAuthorized(g.codeHash, 'right', T0);
    assert.equal(first?.consumedAt, T0);
    assert.equal(await ctx.store().grants.consumePreAuthorized(g.codeHash, 'right', T0 + 1), null);
    assert.equal(await (ctx.second() ?? ctx.store()).grants.consumePreAuthorized(g.codeHash, 'right', T0 + 2), null, 'nor on another instance');
    assert.equal((await ctx.store().grants.peekPreAuthorized(g.codeHash))?.consumedAt, T0);
  });

  it('gives exactly one winner among 20 concurrent redemptions with the right tx_code (split over two instances where possible)', async () => {
    const g = await newGrant({ txCodeHash: 'right' });
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2].grants.consumePreAuthorized(g.codeHash, 'right', T0 + i)));
    assert.equal(results.filter((r) => r !== null).length, 1);
  });

  it('refuses an expired, unknown or tx_code-protected code without the right tx_code', async () => {
    const expired = await newGrant({ expiresAt: T0 });
    assert.equal(await ctx.store().grants.consumePreAuthorized(expired.codeHash, null, T0), null);
    assert.equal(await ctx.store().grants.consumePreAuthorized(uid('code'), null, T0), null);
    const withTx = await newGrant({ txCodeHash: 'right' });
    assert.equal(await ctx.store().grants.consumePreAuthorized(withTx.codeHash, null, T0), null);
    assert.equal(await ctx.store().grants.consumePreAuthorized(withTx.codeHash, 'wrong', T0), null);
    assert.ok(await ctx.store().grants.consumePreAuthorized(withTx.codeHash, 'right', T0));
  });

  it('counts tx_code failures and burns the code at the limit', async () => {
    const g = await newGrant({ txCodeHash: 'right' });
    assert.deepEqual(await ctx.store().grants.recordTxCodeFailure(g.codeHash, 3), { attempts: 1, burnt: false });
    assert.deepEqual(await ctx.store().grants.recordTxCodeFailure(g.codeHash, 3), { attempts: 2, burnt: false });
    assert.deepEqual(await ctx.store().grants.recordTxCodeFailure(g.codeHash, 3), { attempts: 3, burnt: true });
    assert.equal(await ctx.store().grants.recordTxCodeFailure(g.codeHash, 3), null, 'a burnt code counts no more');
    assert.equal(await ctx.store().grants.consumePreAuthorized(g.codeHash, 'right', T0), null, 'a burnt code is dead');
    assert.equal((await ctx.store().grants.peekPreAuthorized(g.codeHash))?.burnt, true);
  });

  it('burns exactly once when failures race past the limit', async () => {
    const g = await newGrant({ txCodeHash: 'right' });
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2].grants.recordTxCodeFailure(g.codeHash, 5)));
    const counted = results.filter((r) => r !== null);
    assert.equal(counted.length, 5, 'attempts after the burn are not counted');
    assert.deepEqual(counted.map((r) => r!.attempts).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
    assert.equal(counted.filter((r) => r!.burnt).length, 1);
  });

  it('does not count a tx_code failure on a consumed code', async () => {
    const g = await newGrant({ txCodeHash: 'right' });
    assert.ok(await ctx.store().grants.consumePreAuthorized(g.codeHash, 'right', T0));
    assert.equal(await ctx.store().grants.recordTxCodeFailure(g.codeHash, 5), null);
  });
};

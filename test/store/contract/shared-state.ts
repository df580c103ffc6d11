import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';

export const sharedStateCases: ContractCase = (ctx) => {
  it('creates a shared value once and updates it only from the version read (compare-and-set)', async () => {
    const name = uid('state');
    const s = ctx.store();
    assert.equal(await s.sharedState.get(name), null);
    assert.equal(await s.sharedState.put(name, 'first', null, T0), true);
    assert.equal(await s.sharedState.put(name, 'again', null, T0), false, 'already there');
    assert.deepEqual(await s.sharedState.get(name), { value: 'first', version: 1 });
    assert.equal(await s.sharedState.put(name, 'second', 1, T0), true);
    assert.equal(await s.sharedState.put(name, 'stale', 1, T0), false, 'version 1 is gone');
    assert.deepEqual(await (ctx.second() ?? s).sharedState.get(name), { value: 'second', version: 2 });
  });

  it('lets exactly one of racing instances create a shared value', async () => {
    const name = uid('state');
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const won = await Promise.all(Array.from({ length: 10 }, (_, i) => stores[i % 2].sharedState.put(name, `v${i}`, null, T0)));
    assert.equal(won.filter(Boolean).length, 1);
    const winner = won.indexOf(true);
    assert.deepEqual(await ctx.store().sharedState.get(name), { value: `v${winner}`, version: 1 });
  });

  it('records a dashboard sign-out once, seen by every instance', async () => {
    const signIn = uid('signin');
    assert.equal(await ctx.store().dashboardSignOuts.has(signIn), false);
    await ctx.store().dashboardSignOuts.record(signIn, T0 + 3_600_000);
    await (ctx.second() ?? ctx.store()).dashboardSignOuts.record(signIn, T0 + 3_600_000);
    assert.equal(await (ctx.second() ?? ctx.store()).dashboardSignOuts.has(signIn), true);
    assert.equal(await ctx.store().dashboardSignOuts.has(uid('signin')), false);
  });
};

export const maintenanceCases: ContractCase = (ctx) => {
  it('answers a readiness ping and reports pool usage where there is a pool', async () => {
    await ctx.store().maintenance.ping();
    const pool = ctx.store().maintenance.poolStats();
    if (ctx.dialect === 'sqlite') assert.equal(pool, null);
    else {
      assert.ok(pool && pool.max >= 1 && pool.total >= 1 && pool.total <= pool.max, JSON.stringify(pool));
      assert.ok(pool.idle >= 0 && pool.waiting >= 0);
    }
  });
};

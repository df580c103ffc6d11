import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Store } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';

export const statusListCases: ContractCase = (ctx) => {
  it('hands each racing instance its own status list slots, and none past the fill limit', async () => {
    const id = uid('sl');
    // The newest list: created after anything else in this run.
    await ctx.store().statusLists.create({ id, bits: 2, size: 64, createdAt: T0 + 86_400_000 });
    const stores: Store[] = [ctx.store(), ctx.second() ?? ctx.store()];
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2].statusLists.reserveSlots(0.5, 1)));
    const slots = claims.map((c) => {
      assert.ok(c, 'a list with room was found');
      assert.equal(c.list.id, id);
      return c.firstSlot;
    });
    assert.deepEqual([...slots].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
    // 20 of the 32 slots below half of 64 are gone: a block of 13 no longer fits this list.
    const tooMany = await ctx.store().statusLists.reserveSlots(0.5, 13);
    assert.notEqual(tooMany?.list.id, id);
    const rest = await ctx.store().statusLists.reserveSlots(0.5, 12);
    assert.deepEqual({ id: rest?.list.id, firstSlot: rest?.firstSlot, allocated: rest?.list.allocated }, { id, firstSlot: 20, allocated: 32 });
  });
};

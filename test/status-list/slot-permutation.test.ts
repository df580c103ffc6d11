import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { slotPermutation } from '../../src/protocol/status-list/slot-permutation.js';

describe('status list slot permutation', () => {
  for (const size of [1 << 16, 1 << 15, 1000, 2]) {
    it(`maps the slots of a list of ${size} onto every index exactly once`, () => {
      const p = slotPermutation('secret', 'sl_1', size);
      const seen = new Uint8Array(size);
      for (let slot = 0; slot < size; slot++) {
        const idx = p.indexOf(slot);
        assert.ok(idx >= 0 && idx < size, `index ${idx} of slot ${slot} is inside the list`);
        assert.equal(seen[idx], 0, `index ${idx} is given once`);
        seen[idx] = 1;
      }
    });
  }

  it('does not reveal the order of issuance: consecutive slots land far apart, differently per list and secret', () => {
    const a = slotPermutation('secret', 'sl_1', 1 << 16);
    const first = Array.from({ length: 64 }, (_, slot) => a.indexOf(slot));
    // Not increasing, not a run of neighbours: the spread of 64 picks covers most of the list.
    assert.notDeepEqual(first, [...first].sort((x, y) => x - y));
    assert.ok(Math.max(...first) - Math.min(...first) > (1 << 16) / 2, 'the first 64 slots spread over the list');
    // Same inputs, same map (every instance of a deployment agrees); other list or secret, another map.
    assert.deepEqual(Array.from({ length: 64 }, (_, slot) => slotPermutation('secret', 'sl_1', 1 << 16).indexOf(slot)), first);
    assert.notDeepEqual(Array.from({ length: 64 }, (_, slot) => slotPermutation('secret', 'sl_2', 1 << 16).indexOf(slot)), first);
    assert.notDeepEqual(Array.from({ length: 64 }, (_, slot) => slotPermutation('other', 'sl_1', 1 << 16).indexOf(slot)), first);
  });

  it('refuses slots outside the list', () => {
    const p = slotPermutation('secret', 'sl_1', 100);
    assert.throws(() => p.indexOf(100), RangeError);
    assert.throws(() => p.indexOf(-1), RangeError);
  });
});

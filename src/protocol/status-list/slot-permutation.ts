import { createHmac } from 'node:crypto';

/**
 * Status list indexes from slot numbers. Instances claim slots in blocks with one atomic
 * counter update (slots are handed out in order, never twice), and each slot maps to an index
 * through a keyed pseudorandom permutation of the list: unique because the map is a bijection,
 * unpredictable (HAIP §6.1) because the key is the deployment's server secret, and nothing about
 * the order of issuance shows in the index. No insert-and-retry on collisions, so the status
 * entry can be written with the rest of the request's rows.
 *
 * The permutation is a balanced Feistel network over the smallest even number of bits that
 * covers the list (four rounds, HMAC-SHA-256 round function), walking the cycle until the value
 * falls inside the list when the size is not a power of four.
 */
const ROUNDS = 4;

export interface SlotPermutation {
  indexOf(slot: number): number;
}

export function slotPermutation(secret: string, listId: string, size: number): SlotPermutation {
  if (!Number.isInteger(size) || size < 2) throw new Error(`status list size ${size} cannot be permuted`);
  let bits = Math.ceil(Math.log2(size));
  if (bits % 2) bits++;
  const half = bits / 2;
  const mask = (1 << half) - 1;
  // Round function values, computed once per (round, input) for this list.
  const tables = Array.from({ length: ROUNDS }, () => new Int32Array(1 << half).fill(-1));
  const key = createHmac('sha256', secret).update(`status-list-slots|${listId}`).digest();
  const round = (r: number, x: number): number => {
    const table = tables[r];
    let v = table[x];
    if (v < 0) {
      v = createHmac('sha256', key).update(`${r}|${x}`).digest().readUInt32BE(0) & mask;
      table[x] = v;
    }
    return v;
  };
  const permute = (value: number): number => {
    let left = value >>> half;
    let right = value & mask;
    for (let r = 0; r < ROUNDS; r++) [left, right] = [right, left ^ round(r, right)];
    return (left << half) | right;
  };
  return {
    indexOf(slot: number): number {
      if (!Number.isInteger(slot) || slot < 0 || slot >= size) throw new RangeError(`slot ${slot} is outside a list of ${size}`);
      // Cycle walking: values ≥ size are permuted again; a bijection of the larger domain
      // restricted this way is a bijection of [0, size).
      let value = permute(slot);
      while (value >= size) value = permute(value);
      return value;
    },
  };
}

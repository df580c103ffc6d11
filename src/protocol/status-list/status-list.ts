import { deflateSync } from 'node:zlib';

/**
 * Token Status List bit array (draft-ietf-oauth-status-list §4): entry i lives in byte
 * floor(i*bits/8), at bit offset (i*bits mod 8) counted from the least-significant bit;
 * the array is DEFLATE-compressed in zlib wrapping.
 */
export type StatusBits = 1 | 2 | 4 | 8;

export const STATUS = { valid: 0x00, revoked: 0x01, suspended: 0x02 } as const;
export type StatusName = keyof typeof STATUS;

export function packStatusList(size: number, bits: StatusBits, entries: Iterable<[number, number]>): Uint8Array {
  const bytes = new Uint8Array(Math.ceil((size * bits) / 8));
  const mask = (1 << bits) - 1;
  for (const [index, value] of entries) {
    if (index < 0 || index >= size) throw new RangeError(`status index ${index} outside the list of ${size}`);
    if (value < 0 || value > mask) throw new RangeError(`status value ${value} does not fit ${bits} bits`);
    const bit = index * bits;
    const byte = bit >> 3;
    const shift = bit & 7;
    bytes[byte] = (bytes[byte] & ~(mask << shift)) | (value << shift);
  }
  return bytes;
}

export function compressStatusList(bytes: Uint8Array): Buffer {
  return deflateSync(bytes, { level: 9 });
}

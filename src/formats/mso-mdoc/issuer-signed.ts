import { createHash, randomBytes, randomInt } from 'node:crypto';
import { encodeCbor, tag24, type Tag } from './cbor.js';

/** Bytes of `random` per IssuerSignedItem (ISO 18013-5 §9.1.2.5 asks for at least 16). */
export const SALT_LENGTH = 32;

export interface SignedNameSpace {
  /** IssuerSignedItemBytes, in claim order: #6.24(bstr .cbor IssuerSignedItem). */
  items: Tag[];
  /** digestID => SHA-256 over the whole tag-24 item, ordered by digestID. */
  digests: Map<number, Uint8Array>;
}

/** 0..n-1 in a uniformly random order (Fisher-Yates), so digestIDs reveal nothing about claim order. */
function shuffledIds(n: number): number[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return ids;
}

/**
 * One namespace's IssuerSignedItems and their digests (ISO 18013-5 §9.1.2.5). Each digest is taken
 * over the encoded tag-24 wrapper (`D8 18` + bstr header + item bytes) - the exact bytes the
 * nameSpaces array carries, since the encoder writes the same preferred form again.
 * `valueDigests` is emitted sorted by digestID: insertion order would map digests to elements.
 */
export function createSignedNameSpace(elements: Map<string, unknown>): SignedNameSpace {
  const n = elements.size;
  const ids = shuffledIds(n);
  const salts = randomBytes(n * SALT_LENGTH);
  const items: Tag[] = [];
  const byId: Uint8Array[] = new Array(n);
  let i = 0;
  for (const [elementIdentifier, elementValue] of elements) {
    const digestID = ids[i];
    const item = new Map<string, unknown>([
      ['digestID', digestID],
      ['random', salts.subarray(i * SALT_LENGTH, (i + 1) * SALT_LENGTH)],
      ['elementIdentifier', elementIdentifier],
      ['elementValue', elementValue],
    ]);
    const wrapped = tag24(encodeCbor(item));
    items.push(wrapped);
    byId[digestID] = createHash('sha256').update(encodeCbor(wrapped)).digest();
    i++;
  }
  const digests = new Map<number, Uint8Array>();
  for (let id = 0; id < n; id++) digests.set(id, byId[id]);
  return { items, digests };
}

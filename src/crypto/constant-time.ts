import { createHash, timingSafeEqual } from 'node:crypto';

/** Compares secrets without leaking where they differ; hashing first equalises lengths. */
export function timingSafeEqualText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

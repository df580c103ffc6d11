/**
 * How much of the session log one client can make us keep and show.
 *
 * - An entry that belongs to no session (unknown route, unknown code or token, garbage) is
 *   written by anyone: each field of its data larger than FIELD_HEAD characters of JSON is kept
 *   as its first FIELD_HEAD characters plus its original size, so an entry stays within a few
 *   KiB whatever the body (before: the whole 256 KiB body, for 7 days).
 * - A view of the log (API page, dashboard page) stops at VIEW_BYTES of entries as well as at
 *   its row limit, and says where the next page starts: 500 entries of 256 KiB bodies full of
 *   quote characters once made one page 457 MB of HTML.
 */

/** Longest JSON text of one data field an unbound entry keeps. */
export const FIELD_HEAD = 1024;
/** Entries of one page of a log view, measured as JSON text. */
export const VIEW_BYTES = 1024 * 1024;

export interface TruncatedField {
  truncated: true;
  /** Size of the field as JSON text, before truncation. */
  original_bytes: number;
  /** The first FIELD_HEAD characters of that JSON text. */
  head: string;
}

/** The data of an unbound entry with every oversized field cut to its head. */
export function boundUnboundData(data: Record<string, unknown> | null): Record<string, unknown> | null {
  if (data === null) return null;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    const text = JSON.stringify(value) ?? '';
    if (text.length <= FIELD_HEAD) {
      out[key] = value;
      continue;
    }
    changed = true;
    out[key] = { truncated: true, original_bytes: Buffer.byteLength(text), head: text.slice(0, FIELD_HEAD) } satisfies TruncatedField;
  }
  return changed ? out : data;
}

/**
 * The longest prefix of `items` within `maxBytes` of JSON text (at least one item, so a view
 * always moves on), and whether items were left out for size.
 */
export function withinBytes<T>(items: readonly T[], maxBytes = VIEW_BYTES): { items: T[]; cut: boolean } {
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += (JSON.stringify(items[i]) ?? '').length;
    if (total > maxBytes && i > 0) return { items: items.slice(0, i), cut: true };
  }
  return { items: [...items], cut: false };
}

/**
 * Limits on hostile input, applied before anything recursive sees it. In core, since
 * protocol code, the decoders in formats/ and the session log all need them.
 *
 * Why depth and not only size: JSON.parse itself copes with `[[[[…]]]]` a hundred thousand
 * levels deep (it fits in the 256 KiB body limit), but everything after it is recursive —
 * zod, the log redaction, JSON.stringify when the session log is written — and overflows the
 * stack. So the depth is counted on the text, without parsing, and a document nested deeper
 * than any wallet message needs is refused with a diagnostic instead of a 500.
 */

/** Deeper than any OID4VCI / OAuth message (a credential request with an encryption JWK is ~5). */
export const MAX_JSON_DEPTH = 32;

/**
 * Longest compact JWT accepted, checked before decoding. A DPoP proof is ~600 characters; a key
 * proof with an x5c chain or a key attestation in its header a few KiB; attestations likewise.
 */
export const MAX_JWT_LENGTH = { proof: 32 * 1024, dpop: 8 * 1024, attestation: 32 * 1024 } as const;

/** A JSON text that is syntactically fine but nested deeper than MAX_JSON_DEPTH. */
export class JsonTooDeepError extends SyntaxError {
  constructor(readonly maxDepth: number) {
    super(`JSON nested deeper than ${maxDepth} levels`);
    this.name = 'JsonTooDeepError';
  }
}

/** Greatest nesting depth of `[` / `{` outside strings; stops counting once past `stopAt`. */
export function jsonDepth(text: string, stopAt = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) {
        max = depth;
        if (max > stopAt) return max;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}

/**
 * JSON.parse with a depth limit. Throws JsonTooDeepError (a SyntaxError, so callers that map
 * parse failures to their own diagnostic keep working) or JSON.parse's own SyntaxError.
 */
export function parseJsonLimited(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (nestedDeeperThan(text, maxDepth)) throw new JsonTooDeepError(maxDepth);
  return JSON.parse(text);
}

/** Whether a JSON text nests deeper than `maxDepth`. */
export function nestedDeeperThan(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  // Text with no more brackets than the limit cannot nest deeper: skip the character scan
  // (profiled: every JWT part and disclosure of every request and self-check comes here).
  return hasMoreBracketsThan(text, maxDepth) && jsonDepth(text, maxDepth) > maxDepth;
}

/** Whether `text` holds more than `limit` opening brackets, strings included (native searches). */
function hasMoreBracketsThan(text: string, limit: number): boolean {
  let count = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1; i = text.indexOf(bracket, i + 1)) {
      if (++count > limit) return true;
    }
  }
  return false;
}

/** Nesting depth of an already decoded value (CBOR, JSON), without recursion. */
export function valueDepth(value: unknown, stopAt = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object' || ArrayBuffer.isView(v)) continue;
    const depth = d + 1;
    if (depth > max) {
      max = depth;
      if (max > stopAt) return max;
    }
    const children = v instanceof Map ? [...v.keys(), ...v.values()] : Array.isArray(v) ? v : Object.values(v as object);
    for (const child of children) stack.push([child, depth]);
  }
  return max;
}

/**
 * A NumericDate (seconds) from a request as ISO text for a diagnostic. Beyond ±8.64e15 ms a Date
 * is invalid and toISOString throws, which turned a JWT with exp 1e20 into a 500 (fuzzing).
 */
export function describeNumericDate(seconds: number): string {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${seconds} (beyond any representable date)`;
}

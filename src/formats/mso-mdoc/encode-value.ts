import type { ClaimsPath, ValueEncoding } from '../../credential-configurations/schema.js';
import { Tag, toCborInteger } from './cbor.js';

/**
 * A claim value that cannot become the CBOR type its data model requires. The caller turns it into
 * a diagnostic; `path` is the claims path pointer (namespace, element, ...) of the offending value.
 */
export class MdocEncodingError extends Error {
  override readonly name = 'MdocEncodingError';
  readonly path: ClaimsPath;
  constructor(path: ClaimsPath, problem: string) {
    super(`mso_mdoc claim ${JSON.stringify(path)}: ${problem}`);
    this.path = path;
  }
}

/** `describe(value)` for messages: type and a truncated rendering. */
export function describeValue(value: unknown): string {
  if (value instanceof Uint8Array) return `byte string (${value.length} bytes)`;
  const json = JSON.stringify(value) ?? String(value);
  return `${Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value} ${json.length > 40 ? `${json.slice(0, 40)}...` : json}`;
}

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
  return d <= days;
}

/** RFC 8943 full-date: tag 1004 over "YYYY-MM-DD". */
function encodeFullDate(value: unknown, path: ClaimsPath): Tag {
  const m = typeof value === 'string' ? FULL_DATE.exec(value) : null;
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new MdocEncodingError(path, `expected a full-date "YYYY-MM-DD" (RFC 3339), got ${describeValue(value)}`);
  }
  return new Tag(value, 1004);
}

/**
 * tdate: tag 0 over an RFC 3339 date-time, normalised to UTC with a `Z` offset and no fractional
 * seconds (ISO 18013-5 §7.2.1; PID rulebook). A date without a time is refused, not guessed.
 */
function encodeTdate(value: unknown, path: ClaimsPath): Tag {
  const m = typeof value === 'string' ? DATE_TIME.exec(value) : null;
  const valid =
    m !== null &&
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) < 24 &&
    Number(m[5]) < 60 &&
    Number(m[6]) < 60 &&
    (m[9] === undefined || (Number(m[9]) < 24 && Number(m[10]) < 60));
  const ms = valid ? Date.parse(value as string) : NaN;
  const iso = Number.isNaN(ms) ? '' : new Date(ms).toISOString();
  if (!valid || !/^\d{4}-/.test(iso)) {
    throw new MdocEncodingError(
      path,
      `expected an RFC 3339 date-time such as "2025-01-31T12:00:00Z", got ${describeValue(value)}`,
    );
  }
  return new Tag(`${iso.slice(0, 19)}Z`, 0);
}

/** bstr from base64 (RFC 4648 §4) or base64url (§5) text; both alphabets mixed is refused. */
function encodeBytes(value: unknown, path: ClaimsPath): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    const std = BASE64.test(value) && (value.length % 4 === 0 || !value.includes('='));
    const url = !std && BASE64URL.test(value);
    if ((std || url) && value.replace(/=+$/, '').length % 4 !== 1) {
      return Buffer.from(value, url ? 'base64url' : 'base64');
    }
  }
  throw new MdocEncodingError(path, `expected base64 or base64url text for a byte string, got ${describeValue(value)}`);
}

/** uint: a non-negative integer JSON number. */
function encodeUint(value: unknown, path: ClaimsPath): number | bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new MdocEncodingError(path, `expected a non-negative integer, got ${describeValue(value)}`);
  }
  return toCborInteger(value);
}

const encoders: Record<ValueEncoding, (value: unknown, path: ClaimsPath) => unknown> = {
  'full-date': encodeFullDate,
  tdate: encodeTdate,
  bytes: encodeBytes,
  uint: encodeUint,
};

/** Encode one JSON value as the declared type, or throw `MdocEncodingError` naming `path`. */
export function encodeTypedValue(value: unknown, type: ValueEncoding, path: ClaimsPath): unknown {
  return encoders[type](value, path);
}

import { createHash, createHmac, randomFillSync } from 'node:crypto';

/**
 * Cryptographically random bytes from a pool refilled 8 KiB at a time: a request takes several
 * ids and tokens, and one randomBytes() call each was a visible share of its CPU (profiled).
 * The pool is the same CSPRNG output, handed out once.
 */
const POOL_SIZE = 8192;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function secureRandom(bytes: number): Buffer {
  if (bytes > POOL_SIZE) return randomFillSync(Buffer.alloc(bytes));
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A copy: the pool is overwritten on the next refill.
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + bytes));
  poolOffset += bytes;
  return out;
}

/** Random, unguessable identifiers. Prefixes say what an id names when it shows up in a log. */
export function randomToken(bytes = 32): string {
  return secureRandom(bytes).toString('base64url');
}

export function newId(prefix: 'ses' | 'off' | 'req' | 'cred' | 'evt' | 'ntf' | 'txn' | 'sl' | 'vpr' | 'run'): string {
  return `${prefix}_${timeOrderedToken(12)}`;
}

/**
 * A random token (`bytes` of randomness, as unguessable as randomToken) led by the creation
 * time. Stored as a key, it lands at the right edge of its b-tree instead of on a random page:
 * under load a commit then writes a few pages per index rather than one per row, which was the
 * largest part of SQLite's commit cost (profiled with `npm run bench`). The time (wall clock,
 * base36 milliseconds) is only for locality; nothing reads it back.
 */
export function timeOrderedToken(bytes: number): string {
  return `${Date.now().toString(36).padStart(9, '0')}${secureRandom(bytes).toString('base64url')}`;
}

/**
 * Storage key of a high-entropy secret (codes, tokens, ids of 32 random bytes): lookups by it
 * need no key, and the secret cannot be recovered from it. Never shown: a short secret (a
 * tx_code) would fall to hashing every candidate; what is shown is redactSecret's HMAC.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/**
 * What logs, pages, exports and the admin API show instead of a secret: a prefix of an HMAC
 * under the server secret the instances of one deployment share (runtime.ts, 'hmac-v1'). Equal
 * secrets still match across entries and instances, but without the server secret a 6-digit
 * tx_code cannot be found by trying all million candidates. The label keeps these MACs apart
 * from the other uses of the same key (DPoP nonces, status list slots).
 */
export function redactSecret(serverSecret: string, secret: string | undefined | null): string {
  if (!secret) return '<absent>';
  return `<redacted hmac:${fingerprintSecret(serverSecret, secret)}>`;
}

/** The fingerprint alone (60 bits, base64url): enough to correlate, too short to be a MAC anyone verifies. */
export function fingerprintSecret(serverSecret: string, secret: string): string {
  return createHmac('sha256', serverSecret).update('secret-fingerprint\u0000').update(secret).digest('base64url').slice(0, 10);
}

let sequence = 0;
const SEQUENCE_SPAN = 36 ** 4;
const instanceTag = secureRandom(3).toString('hex');

/**
 * Ids that sort by creation time (log and event order) and stay unique across instances
 * sharing one database: time, a per-process sequence, and a per-process random tag.
 */
export function newSortableId(nowMs: number): string {
  // The sequence never resets: a clock stepping back (NTP) or a fixed test clock revisiting a
  // millisecond would otherwise hand out an id twice, and the group commit would refuse it.
  // Within one millisecond it still increases, so creation order holds.
  sequence = (sequence + 1) % SEQUENCE_SPAN;
  return `${nowMs.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${instanceTag}`;
}

import { randomBytes } from 'node:crypto';
import type { Store } from '../../../src/store/store.js';

/**
 * The store contract: the same cases run on every backend (store-contract.test.ts). A case
 * module exports `(ctx) => void` and registers its tests with node:test's `it`; add yours to
 * `index.ts`. Backends share one database per run, so cases create their own rows with fresh
 * ids and filter what they read by them; retention cases use timestamps from the year 2001,
 * so a purge never reaches another case's rows.
 */
export interface ContractContext {
  /** e.g. "sqlite :memory:", "postgres (server …)". */
  name: string;
  dialect: Store['dialect'];
  /** The store under test (opened before the cases run). */
  store(): Store;
  /**
   * A second store instance on the same database, as another issuer process would have it;
   * null where the database cannot be shared (SQLite :memory:).
   */
  second(): Store | null;
  /** Whether commits of one instance reach the other's changes feed (PostgreSQL LISTEN/NOTIFY). */
  crossInstanceFeed: boolean;
}

export type ContractCase = (ctx: ContractContext) => void;

/** A time in the test era (2027); fixed, so nothing depends on the wall clock. */
export const T0 = Date.UTC(2027, 0, 15, 12, 0, 0);
/** The retention era: far enough in the past that purging it touches no other case's rows. */
export const OLD = Date.UTC(2001, 0, 1);

export function uid(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}

/** Waits until `check` holds, polling the event loop (no wall-clock assertion: bounded by count). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

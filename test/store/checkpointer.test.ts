import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { openStore } from '../../src/store/open-store.js';
import { useBackgroundCheckpoints } from '../../src/store/sqlite-checkpointer.js';
import type { Store } from '../../src/store/store.js';
import { eventually, T0, uid } from './contract/harness.js';

/**
 * The server process checkpoints SQLite's WAL on a worker thread (store/sqlite-checkpointer.ts).
 * Committed rows must reach the database file itself without any commit on the main
 * connection crossing SQLite's automatic threshold: a copy of the file alone, without its WAL,
 * shows them once the worker has run.
 */
describe('WAL checkpoints on a worker thread', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'issuance-lab-checkpoint-'));
    useBackgroundCheckpoints(true);
    store = await openStore({ dataDir: dir, onBackgroundError: (err) => assert.fail(err) });
  });
  after(async () => {
    useBackgroundCheckpoints(false);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies committed rows into the database file without a checkpoint on the main connection', async () => {
    const ids = Array.from({ length: 50 }, () => uid('ses'));
    await Promise.all(
      ids.map((id) =>
        store.sessions.create({
          id,
          offerId: uid('off'),
          state: 'offer_created',
          grantType: 'pre-authorized_code',
          credentialConfigurationIds: ['x'],
          offer: {},
          options: { claims: {}, deferred: false, requireWalletAttestation: false, requireKeyAttestation: false, byReference: true },
          createdAt: T0,
          updatedAt: T0,
          offerExpiresAt: T0 + 60_000,
          offerFetches: 0,
        } as Parameters<Store['sessions']['create']>[0]),
      ),
    );
    const copy = join(dir, 'copy.sqlite');
    await eventually(() => {
      // The main file only: what a checkpoint has written, nothing still in the WAL.
      copyFileSync(join(dir, 'issuance-lab.sqlite'), copy);
      const db = new Sqlite(copy, { readonly: true });
      try {
        const n = db.prepare(`select count(*) as n from sessions where id in (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number };
        return n.n === ids.length;
      } catch {
        return false; // the copy may catch a half-written page; try again
      } finally {
        db.close();
      }
    }, 'the worker checkpoints the new rows into the database file');
  });
});

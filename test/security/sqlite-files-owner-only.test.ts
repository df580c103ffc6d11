import assert from 'node:assert/strict';
import { chmodSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * The SQLite database and its -wal and -shm files are readable by their owner only (0600, like
 * the key files): they hold hashes of live secrets and every session log. A fresh data
 * directory gets them so, and files an older version left 0644 are narrowed at start.
 */

const FILES = ['issuance-lab.sqlite', 'issuance-lab.sqlite-wal', 'issuance-lab.sqlite-shm'];
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('SQLite database files are owner-only', () => {
  let issuer: RunningIssuer | undefined;
  after(async () => {
    await issuer?.stop();
    issuer?.cleanup();
  });

  it('creates the database, -wal and -shm 0600, and narrows 0644 files of an earlier start', async () => {
    issuer = await startIssuer();
    // A write, so the WAL and its index exist.
    await w.redeem(issuer, await w.createOffer(issuer));
    for (const name of FILES) {
      const path = join(issuer.dataDir, name);
      assert.ok(existsSync(path), `${name} exists`);
      assert.equal(modeOf(path).toString(8), '600', name);
    }

    await issuer.stop();
    for (const name of FILES) if (existsSync(join(issuer.dataDir, name))) chmodSync(join(issuer.dataDir, name), 0o644);
    issuer = await issuer.restart();
    await w.redeem(issuer, await w.createOffer(issuer));
    for (const name of FILES) {
      const path = join(issuer.dataDir, name);
      if (existsSync(path)) assert.equal(modeOf(path).toString(8), '600', `${name} after a restart`);
    }
  });
});

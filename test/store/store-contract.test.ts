import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.js';
import { contractCases } from './contract/index.js';
import type { ContractContext } from './contract/harness.js';

/**
 * The store contract on every backend: SQLite in memory, SQLite in a file (two connections,
 * as two processes would have), and PostgreSQL (a fresh database on the server, or embedded
 * PGlite where no server runs — see test/helpers/postgres.ts; never skipped).
 */
interface Backend {
  name: string;
  dialect: Store['dialect'];
  crossInstanceFeed: boolean;
  open(): Promise<{ first: Store; second: Store | null; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'sqlite :memory:',
    dialect: 'sqlite',
    crossInstanceFeed: false,
    async open() {
      const first = await openStore({ dataDir: ':memory:' });
      return { first, second: null, cleanup: async () => {} };
    },
  },
  {
    name: 'sqlite file, two connections',
    dialect: 'sqlite',
    crossInstanceFeed: false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'issuance-lab-contract-'));
      const first = await openStore({ dataDir: dir });
      const second = await openStore({ dataDir: dir });
      return { first, second, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    dialect: 'postgres',
    crossInstanceFeed: true,
    async open() {
      const db: TestDatabase = await createTestDatabase('store-contract');
      this.name = `postgres (${db.backend})`;
      const first = await openStore({ dataDir: ':memory:', databaseUrl: db.url });
      const second = await openStore({ dataDir: ':memory:', databaseUrl: db.url });
      return { first, second, cleanup: () => db.drop() };
    },
  },
];

for (const backend of backends) {
  describe(`store contract on ${backend.name}`, () => {
    let opened: Awaited<ReturnType<Backend['open']>>;
    before(async () => {
      opened = await backend.open();
    });
    after(async () => {
      await opened?.first.close();
      await opened?.second?.close();
      await opened?.cleanup();
    });
    const ctx: ContractContext = {
      get name() {
        return backend.name;
      },
      dialect: backend.dialect,
      store: () => opened.first,
      second: () => opened.second,
      crossInstanceFeed: backend.crossInstanceFeed,
    };
    for (const [area, register] of Object.entries(contractCases)) describe(area, () => register(ctx));
  });
}

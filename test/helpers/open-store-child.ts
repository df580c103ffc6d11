/**
 * Child process for tests that need several processes opening one database at once (what
 * several issuer instances starting together do): opens the store (migrating it), closes it.
 * Usage: node --import tsx test/helpers/open-store-child.ts <dataDir> [databaseUrl]
 */
import { openStore } from '../../src/store/open-store.js';

const [dataDir, databaseUrl] = process.argv.slice(2);
const store = await openStore({ dataDir, databaseUrl: databaseUrl || undefined });
await store.close();
process.stdout.write('opened\n');

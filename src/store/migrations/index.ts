import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-28-initial.js';

/** Migrations are listed explicitly (no directory scan) so a bundled or tsx run finds them all. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { '2026-11-28-initial': initial };
  },
};

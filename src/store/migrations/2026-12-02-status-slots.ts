import type { Kysely } from 'kysely';

// Frozen. Status lists whose indexes come from claimed slots through a keyed permutation
// (protocol/status-list/slot-permutation.ts). Lists created before keep 'random' (indexes
// picked at random and inserted until one was free) and get no new entries: a permuted slot
// could land on one of their random picks.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('status_lists').addColumn('allocation', 'text', (c) => c.notNull().defaultTo('random')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('status_lists').dropColumn('allocation').execute();
}

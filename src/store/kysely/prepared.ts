import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/**
 * Builds a query once with placeholder values and re-runs its compiled SQL with fresh
 * parameters. Kysely otherwise rebuilds and recompiles the operation tree on every call, which
 * profiling showed to be the largest single cost of a protocol request. Dialect-neutral: the
 * SQL is whatever the dialect's compiler produced. Only for queries of fixed shape.
 */
const MARK = '\u0000arg:';

/** Whatever runs a compiled query: the Kysely instance, or a transaction in progress. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** A compiled query that runs on a given runner (a transaction's, to be part of it). */
export function preparedOn<Row, A extends unknown[]>(
  db: Kysely<any>,
  build: (arg: (index: number) => any) => Compilable<Row>,
): (runner: QueryRunner, ...args: A) => Promise<Row[]> {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: (number | { value: unknown })[] = [];
  return async (runner: QueryRunner, ...args: A) => {
    if (!compiled) {
      compiled = build((i) => `${MARK}${i}`).compile();
      slots = compiled.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : { value: p },
      );
    }
    const parameters = slots.map((s) => (typeof s === 'number' ? args[s] : s.value));
    const result = await runner.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

/** A compiled query on the Kysely instance itself (outside any transaction). */
export function prepared<Row, A extends unknown[]>(
  db: Kysely<any>,
  build: (arg: (index: number) => any) => Compilable<Row>,
): (...args: A) => Promise<Row[]> {
  const run = preparedOn<Row, A>(db, build);
  return (...args: A) => run(db, ...args);
}

/**
 * A compiled single-row INSERT of `columns` into `table`: rows a request creates go through
 * here inside the group-commit transaction, with no query building per row.
 */
export function preparedInsert<Table extends string, Row extends object>(
  db: Kysely<any>,
  table: Table,
  columns: readonly (keyof Row & string)[],
): (runner: QueryRunner, row: Row) => Promise<unknown> {
  const run = preparedOn<unknown, unknown[]>(db, (a) => db.insertInto(table).values(Object.fromEntries(columns.map((c, i) => [c, a(i)]))));
  return (runner, row) => run(runner, ...columns.map((c) => (row as Record<string, unknown>)[c]));
}

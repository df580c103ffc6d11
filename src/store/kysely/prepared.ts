import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/**
 * Builds a query once with placeholder values and re-runs its compiled SQL with fresh
 * parameters. Kysely otherwise rebuilds and recompiles the operation tree on every call, which
 * profiling showed to be the largest single cost of a protocol request. Dialect-neutral: the
 * SQL is whatever the dialect's compiler produced. Only for queries of fixed shape.
 */
const MARK = '\u0000arg:';

export function prepared<Row, A extends unknown[]>(
  db: Kysely<any>,
  build: (arg: (index: number) => any) => Compilable<Row>,
): (...args: A) => Promise<Row[]> {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: (number | { value: unknown })[] = [];
  return async (...args: A) => {
    if (!compiled) {
      compiled = build((i) => `${MARK}${i}`).compile();
      slots = compiled.parameters.map((p) =>
        typeof p === 'string' && p.startsWith(MARK) ? Number(p.slice(MARK.length)) : { value: p },
      );
    }
    const parameters = slots.map((s) => (typeof s === 'number' ? args[s] : s.value));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

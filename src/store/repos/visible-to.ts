/**
 * The rows a key limited to some races may see, in any table with `race` and `contender` columns: those of its races,
 * and the direct calls (no race) to contenders of those races (the names list holds both). An empty list sees none.
 */
import { sql, type Expression, type SqlBool } from 'kysely';

export function visibleTo(names: readonly string[]): Expression<SqlBool> {
  const list = sql.join(names.length > 0 ? [...names] : ['']);
  return sql<SqlBool>`(race in (${list}) or (race is null and contender in (${list})))`;
}

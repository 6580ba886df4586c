/**
 * Race budgets cannot be escaped by name. A contender that takes part in a race under a race-scoped budget may be
 * called directly (by its contender name) only with a key granted that contender by name; otherwise the call would
 * spend the race's money where the race's budget does not see it. Calling the race itself is always the way in.
 */
import type { Config } from '../config/types.js';

const cache = new WeakMap<Config, ReadonlyMap<string, readonly string[]>>();

/** For each contender, the races with a race-scoped budget it takes part in (champion, challenger, fallback, shadow). */
export function budgetedRacesOf(config: Config): ReadonlyMap<string, readonly string[]> {
  let map = cache.get(config);
  if (map) return map;
  const budgeted = new Set(config.budgets.flatMap((b) => (b.scope.race !== undefined ? [b.scope.race] : [])));
  const out = new Map<string, string[]>();
  for (const race of config.races.values()) {
    if (!budgeted.has(race.name)) continue;
    const members = new Set([race.champion, ...race.challengers.map((c) => c.contender), ...race.fallbacks, ...(race.shadow ? [race.shadow.contender] : [])]);
    for (const m of members) out.set(m, [...(out.get(m) ?? []), race.name]);
  }
  map = out;
  cache.set(config, map);
  return map;
}

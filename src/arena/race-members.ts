/**
 * Who belongs to a race's arena, and who is retired. Definitions (docs/arena.md):
 *  - a blind match or a judge run pairs the race's *arena contenders*: its champion, every challenger not retired
 *    (waiting for a gate or rolled back included: votes are evidence either way) and its shadow contender, as the
 *    stored race state has them, limited to contenders still configured;
 *  - a race's leaderboard covers its *members*: the arena contenders, every contender the race ever named (retired
 *    challengers and former champions in the stored state) and every contender of a battle recorded for the race —
 *    and it counts every battle between two members, whichever race or source produced it;
 *  - a contender is *retired* when it is gone from the config, or retired wherever it still appears (champion of no
 *    race, and no active challenger anywhere). Retired contenders keep their battles and their row.
 */
import type { Config, Race } from '../config/types.js';
import type { RaceState } from '../race/race-state.js';

export function arenaContenders(config: Config, race: Race, state: RaceState | undefined): string[] {
  const names = [
    state?.champion ?? race.champion,
    ...(state ? state.challengers.filter((c) => c.status !== 'retired').map((c) => c.contender) : race.challengers.map((c) => c.contender)),
    ...(race.shadow ? [race.shadow.contender] : []),
  ];
  return [...new Set(names)].filter((n) => config.contenders.has(n));
}

export function raceMembers(race: Race, state: RaceState | undefined, recorded: readonly string[]): string[] {
  return [
    ...new Set([
      race.champion,
      ...race.challengers.map((c) => c.contender),
      ...(race.shadow ? [race.shadow.contender] : []),
      ...(state ? [state.champion, ...state.challengers.map((c) => c.contender)] : []),
      ...recorded,
    ]),
  ].sort();
}

/** `states`: every race's stored state (or only the race of a per-race leaderboard). */
export function isRetired(name: string, config: Config, states: Iterable<RaceState | undefined>): boolean {
  if (!config.contenders.has(name)) return true;
  let retired = false;
  for (const s of states) {
    if (!s) continue;
    if (s.champion === name) return false;
    for (const c of s.challengers) {
      if (c.contender !== name) continue;
      if (c.status !== 'retired') return false;
      retired = true;
    }
  }
  return retired;
}

/**
 * The owner of a contender, for counting how many variants each owner raced (best-of-N selection shows as many
 * variants behind one good row): the name up to its first `/` or `-` (`qwen-max` → `qwen`, `acme/chat-v2` → `acme`).
 */
export function ownerOf(name: string): string {
  return name.split(/[/-]/, 1)[0] || name;
}

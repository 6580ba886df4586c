/**
 * Battle counts and current ratings among a race's members, for informative pairing. Reading them is a grouped
 * query over the race's battles plus a fit, so they are kept for a few seconds per race: pairing then follows the
 * evidence with a short lag instead of re-reading the table on every match.
 */
import type { ArenaDeps } from './arena-deps.js';
import { computeLeaderboard } from './leaderboard.js';
import { leaderboardScope } from './leaderboard-query.js';

export interface PairingStats {
  battles(a: string, b: string): number;
  rating(name: string): number | undefined;
}

const pairKey = (a: string, b: string) => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export class PairingStatsCache {
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { at: number; stats: Promise<PairingStats> }>();

  constructor(ttlMs = 5000) {
    this.#ttlMs = ttlMs;
  }

  get(deps: Pick<ArenaDeps, 'config' | 'store' | 'stateOf' | 'now'>, race: string): Promise<PairingStats> {
    const hit = this.#entries.get(race);
    if (hit && deps.now() - hit.at < this.#ttlMs) return hit.stats;
    const stats = readPairingStats(deps, race);
    this.#entries.set(race, { at: deps.now(), stats });
    stats.catch(() => this.#entries.delete(race));
    return stats;
  }
}

export async function readPairingStats(deps: Pick<ArenaDeps, 'config' | 'store' | 'stateOf'>, race: string): Promise<PairingStats> {
  const { filter, members } = await leaderboardScope(deps, { race });
  const counts = await deps.store.battles.pairCounts(filter);
  return pairingStatsFrom(counts, members ?? []);
}

export function pairingStatsFrom(counts: Parameters<typeof computeLeaderboard>[0]['counts'], members: readonly string[]): PairingStats {
  const n = new Map<string, number>();
  for (const c of counts) n.set(pairKey(c.contenderA, c.contenderB), (n.get(pairKey(c.contenderA, c.contenderB)) ?? 0) + c.n);
  const board = computeLeaderboard({ counts, members, errors: 0, retired: () => false }, { rounds: 0 });
  const ratings = new Map(board.data.map((r) => [r.contender, r.rating ?? Number.NaN]));
  return { battles: (a, b) => n.get(pairKey(a, b)) ?? 0, rating: (name) => ratings.get(name) };
}

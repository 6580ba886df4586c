/**
 * Picks the contender that serves a request. With a user key the choice is sticky and uses weighted
 * rendezvous hashing (HRW): each contender scores −ln(h(user, contender)) / weight and the lowest wins. A
 * contender wins a user with probability weight/Σweights, and changing one contender's weight only moves
 * users to or from that contender — the fewest moves possible. Without a user key the choice is random.
 */
import { hashUnit } from './stable-hash.js';

export interface WeightedContender {
  readonly name: string;
  /** Percent of traffic; any non-negative scale works. */
  readonly weight: number;
}

export function assignSticky(contenders: readonly WeightedContender[], userKey: string): string | null {
  let best: string | null = null;
  let bestScore = Infinity;
  for (const c of contenders) {
    if (c.weight <= 0) continue;
    const score = -Math.log(hashUnit(`${userKey}\u0000${c.name}`)) / c.weight;
    if (score < bestScore) {
      bestScore = score;
      best = c.name;
    }
  }
  return best;
}

export function assignRandom(contenders: readonly WeightedContender[], random: () => number = Math.random): string | null {
  let total = 0;
  for (const c of contenders) if (c.weight > 0) total += c.weight;
  if (total <= 0) return null;
  let r = random() * total;
  let last: string | null = null;
  for (const c of contenders) {
    if (c.weight <= 0) continue;
    last = c.name;
    r -= c.weight;
    if (r < 0) return c.name;
  }
  return last;
}

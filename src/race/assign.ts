/**
 * Traffic lanes: how a race's traffic is split. Each challenger owns a fixed stretch of the unit circle that
 * starts at a point derived from its name and is exactly as long as its weight; the champion owns the rest. A
 * user maps to a point by a stable hash (sticky), an anonymous request to a random point.
 *
 * Why lanes rather than a weighted hash over all contenders: the champion's share is what challengers leave, so
 * moving one challenger's weight changes two weights at once, and weighted rendezvous hashing would then also
 * reshuffle the other challengers' users. With lanes, raising a challenger from 15% to 25% moves exactly the 10%
 * of users who sat at the end of its lane, all from the champion, and nobody else — unless two lanes meet, in
 * which case the later challenger's lane continues past the earlier one and only the users at the meeting
 * point move.
 */
import { hashUnit } from './stable-hash.js';

export interface WeightedContender {
  readonly name: string;
  /** Percent of traffic. */
  readonly weight: number;
}

interface Segment {
  start: number;
  end: number;
  name: string;
}

export class LaneLayout {
  readonly #starts: Float64Array;
  readonly #ends: Float64Array;
  readonly #names: string[];

  /** `champion` takes whatever the challengers' lanes leave. Challenger weights must add up to ≤ 100. */
  constructor(readonly champion: string, challengers: readonly WeightedContender[]) {
    const segments: Segment[] = [];
    for (const c of challengers) {
      if (c.weight > 0) claim(segments, c.name, hashUnit(`lane\u0000${c.name}`), Math.min(1, c.weight / 100));
    }
    segments.sort((a, b) => a.start - b.start);
    this.#starts = Float64Array.from(segments, (s) => s.start);
    this.#ends = Float64Array.from(segments, (s) => s.end);
    this.#names = segments.map((s) => s.name);
  }

  /** The contender at point x ∈ [0, 1). */
  at(x: number): string {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= x) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && x < this.#ends[found]! ? this.#names[found]! : this.champion;
  }

  sticky(userKey: string): string {
    return this.at(hashUnit(userKey));
  }

  random(random: () => number = Math.random): string {
    return this.at(random());
  }
}

/** Appends `need` of free circle, scanning forward from `from`, to `segments` for `name`. */
function claim(segments: Segment[], name: string, from: number, need: number): void {
  let pos = from;
  let guard = 0;
  while (need > 1e-12 && guard++ < 10_000) {
    const inside = segments.find((s) => s.start <= pos && pos < s.end);
    if (inside) {
      pos = inside.end >= 1 ? 0 : inside.end;
      continue;
    }
    let next = 1;
    for (const s of segments) if (s.start > pos && s.start < next) next = s.start;
    const take = Math.min(need, next - pos);
    if (take > 0) segments.push({ start: pos, end: pos + take, name });
    need -= take;
    pos += take;
    if (pos >= 1 - 1e-15) pos = 0;
  }
}

/**
 * The live routing table: each race's contenders with their current weights. The config seeds it; the race
 * monitor and manual actions change weights at run time through `setWeights`, which swaps in a new frozen view
 * so in-flight requests keep the view they started with.
 */
import type { Config, Race } from '../config/types.js';
import { LaneLayout, type WeightedContender } from './assign.js';
import { routedChallengers, type RaceState } from './race-state.js';

export interface RaceView {
  readonly race: Race;
  /** Champion first; its weight is what the challengers leave of 100. */
  readonly entries: readonly WeightedContender[];
  readonly lanes: LaneLayout;
}

export interface RoutePlan {
  primary: string;
  /** Tried in order when the primary fails before the first byte. */
  fallbacks: string[];
  isChallenger: boolean;
}

export class RaceBook {
  #views = new Map<string, RaceView>();

  constructor(config: Config) {
    for (const race of config.races.values()) {
      this.setWeights(race.name, race.challengers, race);
    }
  }

  get(name: string): RaceView | undefined {
    return this.#views.get(name);
  }

  names(): string[] {
    return [...this.#views.keys()];
  }

  /** Applies a stored race state: its champion and the routed weights of its challengers. */
  apply(name: string, state: RaceState): void {
    const base = this.#views.get(name)?.race;
    if (!base) throw new Error(`unknown race ${name}`);
    this.setWeights(name, routedChallengers(state), { ...base, champion: state.champion });
  }

  /** Replaces the challengers' weights (percent); the champion gets the rest. */
  setWeights(name: string, challengers: ReadonlyArray<{ contender: string; weight: number }>, race?: Race): void {
    const base = race ?? this.#views.get(name)?.race;
    if (!base) throw new Error(`unknown race ${name}`);
    const total = challengers.reduce((s, c) => s + c.weight, 0);
    const entries: WeightedContender[] = [
      { name: base.champion, weight: Math.max(0, 100 - total) },
      ...challengers.map((c) => ({ name: c.contender, weight: c.weight })),
    ];
    const lanes = new LaneLayout(base.champion, entries.slice(1));
    this.#views.set(name, Object.freeze({ race: { ...base, challengers: challengers.map((c) => ({ ...c })) }, entries: Object.freeze(entries), lanes }));
  }

  plan(view: RaceView, userKey: string | null, random?: () => number): RoutePlan | null {
    const { race, entries, lanes } = view;
    if (!entries.some((e) => e.weight > 0)) return null;
    const primary = race.sticky && userKey !== null ? lanes.sticky(userKey) : lanes.random(random);
    const isChallenger = primary !== race.champion;
    // A failing challenger must not cost the user an answer: the champion is its first fallback.
    const fallbacks: string[] = [];
    if (isChallenger) fallbacks.push(race.champion);
    for (const f of race.fallbacks) if (f !== primary && !fallbacks.includes(f)) fallbacks.push(f);
    return { primary, fallbacks, isChallenger };
  }
}

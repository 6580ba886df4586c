/**
 * Keeps the routing table in step with the stored race states. Every change goes through `update`: read, mutate,
 * optimistic put (retried when another replica wrote first), append the decision, apply to the race book. `refresh`
 * picks up changes other processes made (the CLI, other replicas).
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/types.js';
import type { Store } from '../store/index.js';
import type { DecisionRow } from '../store/types.js';
import type { RaceBook } from './race-book.js';
import { seedState, type RaceState } from './race-state.js';
import { RaceStateSchema } from './race-state-schema.js';

export interface Change {
  state: RaceState;
  decision: Omit<DecisionRow, 'id' | 'ts' | 'race'>;
}

export class RaceStateConflict extends Error {}

export class RaceStates {
  readonly #current = new Map<string, { state: RaceState; version: number }>();

  constructor(
    readonly store: Pick<Store, 'raceState' | 'decisions'>,
    readonly config: Config,
    readonly book: RaceBook,
    readonly now: () => number = Date.now,
  ) {}

  /** Seeds races that have no stored state yet and applies every stored state to the race book. */
  async init(): Promise<void> {
    for (const race of this.config.races.values()) {
      let rec = await this.store.raceState.get(race.name);
      if (!rec) {
        const seeded = await this.store.raceState.put(race.name, seedState(race, this.now()), 0, this.now());
        rec = seeded.ok ? seeded.record : seeded.current;
      }
      if (rec) this.#accept(race.name, rec.state, rec.version);
    }
  }

  /** Applies states changed elsewhere. Returns the races that changed. */
  async refresh(): Promise<string[]> {
    const changed: string[] = [];
    for (const rec of await this.store.raceState.list()) {
      const mine = this.#current.get(rec.race);
      if (this.config.races.has(rec.race) && (!mine || mine.version < rec.version)) {
        this.#accept(rec.race, rec.state, rec.version);
        changed.push(rec.race);
      }
    }
    return changed;
  }

  get(race: string): RaceState | undefined {
    return this.#current.get(race)?.state;
  }

  version(race: string): number {
    return this.#current.get(race)?.version ?? 0;
  }

  /**
   * Applies `mutate` to the latest stored state and records its decision. `mutate` returns null to do nothing.
   * Retries on a concurrent write, re-reading first, up to five times.
   */
  async update(race: string, mutate: (state: RaceState) => Change | null): Promise<{ state: RaceState; decision: DecisionRow } | null> {
    for (let i = 0; i < 5; i++) {
      const rec = await this.store.raceState.get(race);
      if (!rec) throw new Error(`race ${race} has no state`);
      const current = RaceStateSchema.parse(rec.state);
      const change = mutate(structuredClone(current));
      if (!change) return null;
      const now = this.now();
      const put = await this.store.raceState.put(race, change.state, rec.version, now);
      if (!put.ok) continue;
      const decision: DecisionRow = { id: `dec_${randomUUID()}`, ts: now, race, ...change.decision };
      await this.store.decisions.append(decision);
      this.#accept(race, change.state, put.record.version);
      return { state: change.state, decision };
    }
    throw new RaceStateConflict(`race ${race}: state kept changing under us; try again`);
  }

  #accept(race: string, raw: unknown, version: number): void {
    const state = RaceStateSchema.parse(raw);
    // A stored state may name contenders a newer config no longer has: never route to them.
    if (!this.config.contenders.has(state.champion)) state.champion = this.config.races.get(race)!.champion;
    state.challengers = state.challengers.filter((c) => this.config.contenders.has(c.contender) && c.contender !== state.champion);
    this.#current.set(race, { state, version });
    this.book.apply(race, state);
  }
}

/**
 * `RaceStates` that announce each change it makes, so the other replicas apply it within milliseconds rather than
 * at their next poll. The store write has happened by then: a failed announcement is reported, never thrown.
 */
import type { Config } from '../config/types.js';
import type { RaceBook } from '../race/race-book.js';
import { RaceStates, type Change } from '../race/race-states.js';
import type { RaceState } from '../race/race-state.js';
import type { Store } from '../store/index.js';
import type { DecisionRow } from '../store/types.js';
import type { RaceEvents } from './race-events.js';

export class AnnouncedRaceStates extends RaceStates {
  constructor(
    store: Pick<Store, 'raceState' | 'decisions'>,
    config: Config,
    book: RaceBook,
    now: () => number,
    readonly events: RaceEvents,
    readonly onError: (err: unknown) => void = () => {},
  ) {
    super(store, config, book, now);
  }

  override async update(race: string, mutate: (state: RaceState) => Change | null): Promise<{ state: RaceState; decision: DecisionRow } | null> {
    const done = await super.update(race, mutate);
    if (done) await this.events.publish(race, this.version(race)).catch(this.onError);
    return done;
  }
}

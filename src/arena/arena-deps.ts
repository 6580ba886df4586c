/** What the arena needs from its host (the gateway or the CLI): config, store, the provider path, clock, chance. */
import type { RaceState } from '../race/race-state.js';
import type { Store } from '../store/index.js';
import type { ArenaCallDeps } from './contender-call.js';

export interface ArenaDeps extends ArenaCallDeps {
  store: Pick<Store, 'battles' | 'requestLog' | 'requests'>;
  /** A race's live state (champion, challengers and their status), as the store has it. */
  stateOf(race: string): RaceState | undefined;
  random: () => number;
}

/** Who acts: the key's team and id; admins may import history (any contender, source, voter and time). */
export interface Caller {
  team: string | null;
  keyId: string | null;
  admin: boolean;
}

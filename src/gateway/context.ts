/** Everything a request handler needs, built once per gateway instance and passed explicitly. */
import type { ShadowJudge } from './extension.js';
import type { Config, Contender } from '../config/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { CircuitBreaker } from '../race/circuit-breaker.js';
import type { AttemptDeps } from '../race/attempt.js';
import type { RaceBook } from '../race/race-book.js';
import type { RaceStates } from '../race/race-states.js';
import type { Store } from '../store/index.js';
import type { Admission } from './admission.js';
import type { AdmissionJournal } from './admission-journal.js';
import type { InFlight } from './in-flight.js';
import type { GatewayMetrics } from './metrics.js';
import type { GatewayTelemetry } from '../telemetry/types.js';
import type { ProviderAdapter } from '../providers/spec.js';

export interface GatewayContext {
  config: Config;
  store: Store;
  providers: ProviderRegistry;
  races: RaceBook;
  raceStates: RaceStates;
  /** The race monitor's latest view of a race, when a monitor runs in this process. */
  monitorStatus?: (race: string) => unknown;
  metrics: GatewayMetrics;
  attemptDeps: AttemptDeps;
  admission: Admission;
  /** Durable admission of budgeted calls (admission-journal.ts). */
  journal: AdmissionJournal;
  now: () => number;
  random: () => number;
  /** Shadow calls in flight, so shutdown can wait for them. */
  background: Set<Promise<unknown>>;
  /** Chat calls in flight, so shutdown can wait for them, then cut them (see server.ts). */
  inFlight: InFlight;
  /** Judges shadow answers, when an extension provides a judge (the arena's, wired by src/server). */
  judgeShadow?: ShadowJudge;
  /** OpenTelemetry spans and metrics; null when off (then nothing of it is loaded, and a request pays a null check). */
  telemetry: GatewayTelemetry | null;
}

export function createAttemptDeps(
  config: Config,
  providers: ProviderRegistry,
  now: () => number,
  random: () => number,
  /** Wraps each adapter (telemetry's client span per attempt). */
  wrap?: (adapter: ProviderAdapter) => ProviderAdapter,
): AttemptDeps {
  const breakers = new Map<string, CircuitBreaker>();
  return {
    contender: (name) => config.contenders.get(name),
    adapter: wrap ? (c: Contender) => wrap(providers.adapterFor(c)) : (c: Contender) => providers.adapterFor(c),
    breaker: (c: Contender) => {
      let b = breakers.get(c.name);
      if (!b) {
        b = new CircuitBreaker(c.breaker.failureThreshold, c.breaker.cooldownMs, now);
        breakers.set(c.name, b);
      }
      return b;
    },
    random,
  };
}

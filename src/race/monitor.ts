/**
 * The race monitor: every `monitor.interval_ms` it reads each automatic race's evidence (in the gateway on a thread
 * of its own, `monitor-evidence-worker.ts`), runs the race's policy
 * and writes the resulting decisions through `RaceStates.update` (optimistic, re-validated against the stored
 * state, logged with the numbers behind them). Ticks never overlap; a failing race is reported in its status and
 * does not stop the others. Tests drive it with an injected clock and `tick()`.
 */
import type { Config, Race } from '../config/types.js';
import type { RandomSource } from '../stats/index.js';
import type { Store } from '../store/index.js';
import type { DecisionRow } from '../store/types.js';
import { EvidenceReader, type EvidenceSource, type EvidenceStore, type GateResults } from './monitor-evidence.js';
import { applyPolicyChange, decide, emptyMemory, remember, type PolicyMemory, type RaceAssessment } from './policies/index.js';
import type { RaceStates } from './race-states.js';

export type { GateResults };

export interface RaceMonitorDeps {
  config: Config;
  store: EvidenceStore & { decisions: Pick<Store['decisions'], 'list'> };
  raceStates: RaceStates;
  now?: () => number;
  /** Launch-gate verdicts for the `gate` policy; without them gated challengers keep waiting. */
  gates?: GateResults | null;
  random?: RandomSource;
  /** Clustered, only the holder of the monitor lease acts; a tick elsewhere does nothing. */
  isLeader?: () => boolean;
  /** Where failures of a race's tick are reported (the gateway passes its logger). */
  onError?: (race: string, err: unknown) => void;
  /**
   * Where the evidence is read: by default here, on the calling thread; the gateway passes an `EvidenceWorker`
   * (a thread of its own). The monitor closes it when it stops.
   */
  evidence?: EvidenceSource;
}

/** What `GET /admin/races/:name` shows under `monitor`. */
export type MonitorStatus =
  | { ok: true; at: number; assessment: RaceAssessment; applied: Array<Pick<DecisionRow, 'action' | 'contender' | 'reason'>> }
  | { ok: false; at: number; error: string };

export class RaceMonitor {
  readonly #deps: RaceMonitorDeps;
  readonly #now: () => number;
  readonly #reader: EvidenceSource;
  readonly #random: RandomSource;
  readonly #status = new Map<string, MonitorStatus>();
  readonly #memory = new Map<string, PolicyMemory>();
  #running: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;

  constructor(deps: RaceMonitorDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#reader = deps.evidence ?? new EvidenceReader(deps.store, deps.config, deps.gates ?? null);
    this.#random = deps.random ?? { next: Math.random };
  }

  /** Ticks every `config.monitor.intervalMs` until `stop()`; the timer does not keep the process alive. */
  start(): void {
    if (this.#timer || this.#stopped) return;
    // A thread that reads the evidence starts now, an interval before the first tick. Clustered, a replica starts it
    // when it first leads (its first tick as leader reads here): on a follower it would hold memory and
    // connections for nothing, and its start would compete with the takeover for the core.
    if (!this.#deps.isLeader) void this.#reader.warm?.();
    const schedule = () => {
      this.#timer = setTimeout(() => void this.tick().finally(() => !this.#stopped && schedule()), this.#deps.config.monitor.intervalMs);
      this.#timer.unref();
    };
    schedule();
  }

  /** Stops the timer, waits for a tick in progress and closes the evidence source. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#running;
    await this.#reader.close();
  }

  /** One pass over every automatic race. A call during a tick returns that tick instead of starting another. */
  tick(): Promise<void> {
    this.#running ??= this.#tickAll().finally(() => (this.#running = null));
    return this.#running;
  }

  /**
   * Drops what the policies remember between ticks (last re-weight, SRM alert, logged holds), so the next tick
   * rebuilds it from the decision log. Clustered, a replica calls it whenever it (re)gains the monitor lease:
   * while another replica held it, that replica's decisions made this one's memory stale.
   */
  forget(): void {
    this.#memory.clear();
  }

  status(race: string): MonitorStatus | null {
    return this.#status.get(race) ?? null;
  }

  async #tickAll(): Promise<void> {
    if (this.#deps.isLeader && !this.#deps.isLeader()) {
      // A follower's memory goes stale as the leader decides; should it lead again, it starts from the log.
      this.#memory.clear();
      return;
    }
    try {
      await this.#deps.raceStates.refresh();
    } catch (err) {
      this.#deps.onError?.('*', err);
    }
    for (const race of this.#deps.config.races.values()) {
      if (race.policy.type === 'manual') continue;
      try {
        await this.#tickRace(race);
      } catch (err) {
        this.#status.set(race.name, { ok: false, at: this.#now(), error: err instanceof Error ? err.message : String(err) });
        this.#deps.onError?.(race.name, err);
      }
    }
  }

  async #tickRace(race: Race): Promise<void> {
    const state = this.#deps.raceStates.get(race.name);
    if (!state) return;
    const memory = await this.#memoryOf(race.name);
    const now = this.#now();
    const evidence = await this.#reader.read(race, state, now);
    const verdict = decide({ race, state, evidence, now, memory, fx: this.#deps.config.fx, random: this.#random });
    if (verdict.banditEvaluated) memory.lastReweightAt = now;
    const applied: Array<Pick<DecisionRow, 'action' | 'contender' | 'reason'>> = [];
    for (const change of verdict.changes) {
      const done = await this.#deps.raceStates.update(race.name, (s) => applyPolicyChange(s, change, this.#now()));
      if (!done) continue;
      remember(memory, change, now);
      applied.push({ action: done.decision.action, contender: done.decision.contender, reason: done.decision.reason });
    }
    this.#status.set(race.name, { ok: true, at: now, assessment: verdict.assessment, applied });
  }

  /** The policy's memory, rebuilt from the decision log the first time a race is seen (e.g. after a restart). */
  async #memoryOf(race: string): Promise<PolicyMemory> {
    let memory = this.#memory.get(race);
    if (memory) return memory;
    memory = emptyMemory();
    for (const d of [...(await this.#deps.store.decisions.list(race, { limit: 500 }))].reverse()) {
      const details = (d.details ?? {}) as { since?: unknown; key?: unknown };
      if (d.actor !== null) continue;
      if (d.action === 'srm-alert' && typeof details.since === 'number') memory.srmAlertedSince = details.since;
      if (d.action === 'ramp' && d.contender === null) memory.lastReweightAt = d.ts;
      if (d.action === 'hold' && typeof details.key === 'string') memory.holds.add(details.key);
    }
    this.#memory.set(race, memory);
    return memory;
  }
}

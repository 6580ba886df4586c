/**
 * One simulated sticky race with users (see `users.ts`): each tick draws the race's requests, each from one user
 * by activity; every user sits in the lane the gateway would give them (`LaneLayout.sticky`, the same code the
 * router uses) at the weights in force; each user's requests are drawn from their own baseline plus their
 * contender's effect. Evidence is kept as the monitor keeps it — per arm and window, each user's sums in a
 * `UnitBook` — and the race's real policy code (`decide`, `applyPolicyChange`) decides, as in `run-race.ts`.
 *
 * `analysis: 'request'` hands the policy request-level evidence instead (every request an independent unit), what
 * the monitor did before it analysed users: kept to measure what that cost.
 */
import type { RandomSource } from '../../stats/index.js';
import { sampleStandardNormal } from '../../stats/index.js';
import { LaneLayout } from '../assign.js';
import type { ArmEvidence, GateVerdict, Moments, RaceEvidence } from '../evidence.js';
import { applyPolicyChange, assignmentSince, decide, emptyMemory, remember, sequentialInterval } from '../policies/index.js';
import { routedChallengers, seedState, stintOf, type RaceState } from '../race-state.js';
import { METRIC_INDEX, UNIT_METRICS, UnitBook } from '../unit-book.js';
import type { RaceOutcome, SimRace } from './run-race.js';
import { sampleBinomial, sampleNormalMoments, samplePoisson } from './samplers.js';
import { BASELINE, type ArmProfile } from './scenario.js';
import { DEFAULT_PRE_HOURS, drawPopulation, drawPreRace, pickUser, userRates, type Population, type UserModel } from './users.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Arm = Mutable<Omit<ArmEvidence, 'logLatency' | 'logTtft' | 'cost' | 'feedback' | 'judge' | 'units'>> & Record<'logLatency' | 'logTtft' | 'cost' | 'feedback', Mutable<Moments>>;

interface Window {
  arms: Map<string, Arm>;
  books: Map<string, UnitBook>;
  /** Per arm, each user's slot in its book (−1: not seen yet), to skip the book's key lookup in the hot loop. */
  slots: Map<string, Int32Array>;
}

const NONE: Moments = Object.freeze({ n: 0, sum: 0, sumSquares: 0 });
let raceCounter = 0;

export function runUserRace(sim: SimRace & { users: UserModel; analysis?: 'user' | 'request' }, rng: RandomSource): RaceOutcome {
  let state = seedState(sim.race, 0);
  const memory = emptyMemory();
  const windows = new Map<number, Window>([[0, newWindow()]]);
  const gates = new Map<string, GateVerdict | null>(state.challengers.map((c) => [c.contender, { passed: true, ts: 0, reasons: 'simulated' }]));
  const out: RaceOutcome = { rollbackAt: null, promoteAt: null, srmAlerts: 0, weights: new Map(), state };
  const perTick = (sim.trafficRps * sim.intervalMs) / 1000;
  const method = sim.method ?? sequentialInterval;
  const requestLevel = sim.analysis === 'request';
  const cap = sim.race.policy.user_request_cap ?? 0;
  const pop = drawPopulation(sim.users, rng, `sim${raceCounter++}-${Math.floor(rng.next() * 1e9)}`);
  // Lane of every user at the weights in force; recomputed when they change.
  let laneOf: string[] = [];
  let layoutKey = '';
  const counts = new Int32Array(pop.count);
  const touched: number[] = [];
  const base = sim.profiles.get(sim.race.champion) ?? BASELINE;
  // The users' week (by default) on the champion before the race: their pre-race covariates.
  const preRequests = sim.trafficRps * 3600 * (sim.users.preHours ?? DEFAULT_PRE_HOURS);
  const covariates = !requestLevel && preRequests > 0 ? drawPreRace(pop, base, preRequests, rng) : null;
  const rates = new Map<string, Array<{ error: number; up: number }>>();
  const ratesOf = (arm: string) => {
    let r = rates.get(arm);
    if (!r) rates.set(arm, (r = Array.from({ length: pop.count }, (_, u) => userRates(pop, u, base, sim.profiles.get(arm)!))));
    return r;
  };

  for (let t = sim.intervalMs; t <= sim.durationMs; t += sim.intervalMs) {
    const routed = routedChallengers(state).filter((c) => c.weight > 0);
    const key = `${state.champion}|${routed.map((c) => `${c.contender}:${c.weight}`).join(',')}`;
    if (key !== layoutKey) {
      const lanes = new LaneLayout(state.champion, routed.map((c) => ({ name: c.contender, weight: c.weight })));
      laneOf = pop.keys.map((k) => lanes.sticky(k));
      layoutKey = key;
    }
    const n = samplePoisson(perTick, rng);
    for (let j = 0; j < n; j++) {
      const u = pickUser(pop, rng);
      if (counts[u] === 0) touched.push(u);
      counts[u]!++;
    }
    for (const u of touched) {
      const k = counts[u]!;
      counts[u] = 0;
      const arm = laneOf[u]!;
      drawUser(sim.profiles.get(arm)!, ratesOf(arm)[u]!, pop, u, k, arm, windows, rng, requestLevel, covariates, cap);
    }
    touched.length = 0;

    const aSince = assignmentSince({ state });
    const aw = windows.get(aSince);
    const units = new Map([...(aw?.books ?? new Map<string, UnitBook>())].map(([name, b]) => [name, b.userCount]));
    const evidence: RaceEvidence = { windows: evidenceOf(windows, requestLevel), assignment: { since: aSince, units }, gates };
    const verdict = decide({ race: sim.race, state, evidence, now: t, memory, fx: sim.fx, random: rng, method, banditDraws: sim.banditDraws ?? 1000, explain: false });
    if (verdict.banditEvaluated) memory.lastReweightAt = t;
    for (const change of verdict.changes) {
      const applied = applyPolicyChange(structuredClone(state), change, t);
      if (!applied) continue;
      state = applied.state;
      remember(memory, change, t);
      if (change.kind === 'rollback' && out.rollbackAt === null) {
        out.rollbackAt = t;
        out.rollbackReason = change.reason;
      }
      if (change.kind === 'promote') out.promoteAt ??= t;
      if (change.kind === 'srm-alert') out.srmAlerts++;
    }
    openWindows(state, windows);
    if (!state.challengers.some((c) => c.status === 'active' || c.status === 'waiting_gate')) break;
  }
  const routed = routedChallengers(state);
  out.weights.set(state.champion, 100 - routed.reduce((s, c) => s + c.weight, 0));
  for (const c of routed) out.weights.set(c.contender, c.weight);
  out.state = state;
  return out;
}

function newWindow(): Window {
  return { arms: new Map(), books: new Map(), slots: new Map() };
}

/** Draws user u's k requests on `arm` and adds them to every open window (scalars only: this is the hot loop). */
function drawUser(profile: ArmProfile, r: { error: number; up: number }, pop: Population, u: number, k: number, arm: string, windows: Map<number, Window>, rng: RandomSource, requestLevel: boolean, covariates: Float64Array | null, cap: number): void {
  const errors = sampleBinomial(k, r.error, rng);
  const ok = k - errors;
  const latMean = profile.logLatency.mean + pop.logLatency[u]!;
  const ttftMean = profile.logTtft.mean + pop.logTtft[u]!;
  const scale = Math.exp(pop.logCost[u]!);
  let latSum = 0, latSq = 0, ttftSum = 0, ttftSq = 0, costSum = 0, costSq = 0;
  if (requestLevel) {
    // Request-level second moments only matter when requests are the unit.
    const lat = sampleNormalMoments(ok, latMean, profile.logLatency.sd, rng);
    const ttft = sampleNormalMoments(ok, ttftMean, profile.logTtft.sd, rng);
    const cost = sampleNormalMoments(k, profile.cost.mean * scale, profile.cost.sd * scale, rng);
    latSum = lat.sum; latSq = lat.sumSquares; ttftSum = ttft.sum; ttftSq = ttft.sumSquares; costSum = cost.sum; costSq = cost.sumSquares;
  } else {
    // A user's sums need one normal each: Σ of m draws from N(μ, σ²) is N(mμ, mσ²).
    if (ok > 0) {
      const root = Math.sqrt(ok);
      latSum = ok * latMean + root * profile.logLatency.sd * sampleStandardNormal(rng);
      ttftSum = ok * ttftMean + root * profile.logTtft.sd * sampleStandardNormal(rng);
    }
    costSum = k * profile.cost.mean * scale + Math.sqrt(k) * profile.cost.sd * scale * sampleStandardNormal(rng);
  }
  const rated = sampleBinomial(k, profile.feedbackRate, rng);
  const ups = rated > 0 ? sampleBinomial(rated, r.up, rng) : 0;
  const score = 2 * ups - rated;
  for (const w of windows.values()) {
    let a = w.arms.get(arm);
    if (!a) w.arms.set(arm, (a = { contender: arm, requests: 0, errors: 0, cuts: 0, truncations: 0, logLatency: { n: 0, sum: 0, sumSquares: 0 }, logTtft: { n: 0, sum: 0, sumSquares: 0 }, cost: { n: 0, sum: 0, sumSquares: 0 }, feedback: { n: 0, sum: 0, sumSquares: 0 } }));
    a.requests += k;
    a.errors += errors;
    a.logLatency.n += ok; a.logLatency.sum += latSum; a.logLatency.sumSquares += latSq;
    a.logTtft.n += ok; a.logTtft.sum += ttftSum; a.logTtft.sumSquares += ttftSq;
    a.cost.n += k; a.cost.sum += costSum; a.cost.sumSquares += costSq;
    a.feedback.n += rated; a.feedback.sum += score; a.feedback.sumSquares += rated;
    if (requestLevel) continue;
    let book = w.books.get(arm);
    let slots = w.slots.get(arm);
    if (!book || !slots) {
      w.books.set(arm, (book = new UnitBook(undefined, null, cap)));
      w.slots.set(arm, (slots = new Int32Array(pop.count).fill(-1)));
    }
    let slot = slots[u]!;
    if (slot < 0) {
      slots[u] = slot = book.slot(pop.keys[u]!);
      if (covariates) for (let m = 0; m < FEEDBACK + 1; m++) book.setCovariateAt(slot, m, covariates[u * METRIC_COUNT + m]!);
    }
    book.addAt(slot, ERRORS, errors, k);
    if (ok > 0) {
      book.addAt(slot, LATENCY, latSum, ok);
      book.addAt(slot, TTFT, ttftSum, ok);
    }
    book.addAt(slot, COST, costSum, k);
    if (rated > 0) book.addAt(slot, FEEDBACK, score, rated);
  }
}

const ERRORS = METRIC_INDEX.errors;
const LATENCY = METRIC_INDEX.logLatency;
const TTFT = METRIC_INDEX.logTtft;
const COST = METRIC_INDEX.cost;
const FEEDBACK = METRIC_INDEX.feedback;
const METRIC_COUNT = UNIT_METRICS.length;

/** What the policy sees: every window's arms, with user-level moments unless requests are the unit. */
function evidenceOf(windows: Map<number, Window>, requestLevel: boolean): Map<number, Map<string, ArmEvidence>> {
  const out = new Map<number, Map<string, ArmEvidence>>();
  for (const [since, w] of windows) {
    const arms = new Map<string, ArmEvidence>();
    for (const [name, a] of w.arms) {
      const units = requestLevel ? null : (w.books.get(name) ?? new UnitBook()).view();
      arms.set(name, { ...a, judge: NONE, units });
    }
    out.set(since, arms);
  }
  return out;
}

/** Keeps exactly the windows the state refers to; a new window starts empty. */
function openWindows(state: RaceState, windows: Map<number, Window>): void {
  const wanted = new Set([state.championSince, assignmentSince({ state }), ...state.challengers.filter((c) => c.status === 'active').flatMap((c) => [c.since, stintOf(c).since])]);
  for (const since of wanted) if (!windows.has(since)) windows.set(since, newWindow());
  for (const since of windows.keys()) if (!wanted.has(since)) windows.delete(since);
}

/**
 * Reads the race monitor's evidence from the store, cheaply enough to do every few seconds on a race that has
 * run for days. Moments are additive, so each window keeps a *settled* part — rows older than the longest a
 * request can take (the race's largest `total_ms` plus slack), which can no longer change — and only the recent
 * part is re-read each tick. A request's row carries its start time and is written when it ends, which is why
 * the recent part cannot be cached by time.
 *
 * On SQLite the request log is read by insertion order instead: each window keeps the moments of every row up to
 * a rowid and each tick adds only the rows inserted since, late ones included. The recent part of a busy race is
 * hundreds of thousands of rows (every row of the last `total_ms` + 30 s), and SQLite reads run synchronously on
 * the thread that makes them: re-reading them each tick stalled the gateway's every request for about a second
 * when the monitor read on its thread, and would keep a core busy on the monitor's own (`monitor-evidence-worker.ts`).
 * PostgreSQL, whose commit order no column follows, keeps the time-based split.
 */
import type { Config, Race } from '../config/types.js';
import type { Store } from '../store/index.js';
import type { AssignmentCounts, ContenderMoments, InsertedRow, UserMoments, UserSums } from '../store/repos/requests.js';
import { independentRatioMoments } from '../stats/index.js';
import { MAX_BOOK_SLOTS, METRIC_INDEX, UNIT_METRICS, UnitBook, type Covariates } from './unit-book.js';
import { AssignmentTally } from './assignment-tally.js';
import type { PairOutcomeCount } from '../store/repos/battles.js';
import { addArms, emptyArm, type ArmEvidence, type GateVerdict, type Moments, type RaceEvidence } from './evidence.js';
// From its own module, not the policies' index: the evidence thread starts faster without every policy.
import { assignmentSince } from './policies/race-checks.js';
import { spendWindowStart, stintOf, type RaceState } from './race-state.js';

/** Where the gate policy finds launch-gate verdicts (`store.evals` implements it). */
export interface GateResults {
  latestGate(race: string, challenger: string): Promise<GateVerdict | null>;
}

/** What the reader needs of the config: the exchange rates and each contender's longest request. */
export interface EvidenceConfig {
  readonly fx: Config['fx'];
  readonly contenders: ReadonlyMap<string, { readonly timeouts: { readonly totalMs: number } }>;
}

/** Where the race monitor gets a race's evidence each tick: read here (`EvidenceReader`) or on a thread of its own. */
export interface EvidenceSource {
  read(race: Race, state: RaceState, now: number): Promise<RaceEvidence>;
  /** Gets ready for the first read ahead of it (starts a thread), where there is anything to get ready. */
  warm?(): Promise<void>;
  /** Releases what the source holds (a thread, a connection); reads in flight may fail. */
  close(): Promise<void>;
}

/** The latest launch-gate verdict of each challenger of a gate race that waits for one. */
export async function readGates(gates: GateResults | null, race: Race, state: RaceState): Promise<Map<string, GateVerdict | null>> {
  const out = new Map<string, GateVerdict | null>();
  if (race.policy.type === 'gate' && gates) {
    for (const c of state.challengers) if (c.status === 'waiting_gate') out.set(c.contender, await gates.latestGate(race.name, c.contender));
  }
  return out;
}

export type EvidenceStore = {
  requests: Pick<Store['requests'], 'metricMoments' | 'assignmentCounts' | 'lastRow' | 'insertedMoments' | 'assignmentRows' | 'userMoments' | 'userSums' | 'insertedRows' | 'firstServed'>;
  feedback: Pick<Store['feedback'], 'metricMoments' | 'userMoments'>;
  battles: Pick<Store['battles'], 'pairCounts'>;
};

/** Battles that speak for users: blind arena votes and verdicts on real traffic (offline judge runs do not). */
const RACE_BATTLE_SOURCES = ['human', 'shadow_judge'] as const;

/** Per opponent of `champion`, the moments of its battle scores against it (win 1, tie or both bad 0.5, loss 0). */
export function battleScores(counts: readonly PairOutcomeCount[], champion: string): Map<string, Moments> {
  const out = new Map<string, Moments>();
  for (const c of counts) {
    const side = c.contenderA === champion ? 'b' : c.contenderB === champion ? 'a' : null;
    if (side === null || c.contenderA === c.contenderB) continue;
    const other = side === 'a' ? c.contenderA : c.contenderB;
    const score = c.winner === side ? 1 : c.winner === 'tie' || c.winner === 'tie_bothbad' ? 0.5 : 0;
    const m = out.get(other) ?? { n: 0, sum: 0, sumSquares: 0 };
    out.set(other, { n: m.n + c.n, sum: m.sum + c.n * score, sumSquares: m.sumSquares + c.n * score * score });
  }
  return out;
}

/** Adds each arm into `into`, by contender. */
function addInto(into: Map<string, ArmEvidence>, arms: Iterable<ArmEvidence>): void {
  for (const arm of arms) {
    const before = into.get(arm.contender);
    into.set(arm.contender, before ? addArms(before, arm) : arm);
  }
}

function addValue(m: Moments, x: number): void {
  m.n += 1;
  m.sum += x;
  m.sumSquares += x * x;
}

function addContenderMoments(a: ContenderMoments, b: ContenderMoments): ContenderMoments {
  const add = (x: Moments, y: Moments): Moments => ({ n: x.n + y.n, sum: x.sum + y.sum, sumSquares: x.sumSquares + y.sumSquares });
  return {
    contender: a.contender, requests: a.requests + b.requests, errors: a.errors + b.errors, cuts: a.cuts + b.cuts,
    truncations: a.truncations + b.truncations, logLatency: add(a.logLatency, b.logLatency), logTtft: add(a.logTtft, b.logTtft),
    cost: add(a.cost, b.cost), currency: a.currency ?? b.currency,
  };
}

/** Adds per-user feedback moments to the books; returns them summed per arm. */
function feedFeedback(books: Books, rows: ReadonlyArray<{ contender: string; userHash: string | null; n: number; sum: number; sumSquares: number }>): Array<{ contender: string; n: number; sum: number; sumSquares: number }> {
  const perArm = new Map<string, { contender: string; n: number; sum: number; sumSquares: number }>();
  for (const r of rows) {
    const book = bookOf(books, r.contender);
    if (r.userHash === null) book.addIndependent(METRIC_INDEX.feedback, r.n, r.sum, r.sumSquares);
    else book.add(r.userHash, METRIC_INDEX.feedback, r.sum, r.n);
    const m = perArm.get(r.contender) ?? { contender: r.contender, n: 0, sum: 0, sumSquares: 0 };
    perArm.set(r.contender, { contender: r.contender, n: m.n + r.n, sum: m.sum + r.sum, sumSquares: m.sumSquares + r.sumSquares });
  }
  return [...perArm.values()];
}

/** Commit delay on top of the longest request, for the group commit and clocks of other replicas. */
const SETTLE_SLACK_MS = 30_000;
/**
 * The sample-ratio check counts units from the start of the assignment window's current half hour: a fresh window
 * every 30 minutes (distinct users do not add up over a long window). Fixed starts, not a sliding edge: the
 * always-valid test's guarantee is for one window watched from its start, and a sliding window is a new window at
 * every tick.
 */
const SRM_LOOKBACK_MS = 30 * 60_000;

/** Start of the sample-ratio window at `now`: `since` plus whole half hours. */
export function srmWindowStart(since: number, now: number): number {
  return since + Math.max(0, Math.floor((now - since) / SRM_LOOKBACK_MS)) * SRM_LOOKBACK_MS;
}

interface WindowCache {
  key: string;
  settledUntil: number;
  /** Battles (and, on PostgreSQL, requests) up to `settledUntil`, feedback up to `feedbackUntil`. */
  settled: Map<string, ArmEvidence>;
  /** SQLite: the request moments of every row of the window up to rowid `lastRow`. */
  inserted: { lastRow: number; arms: Map<string, ArmEvidence> } | null;
  /**
   * Sticky races: per arm, each user's sums (see `UnitBook`) of requests and feedback up to `unitsUntil` (SQLite:
   * requests up to `inserted.lastRow`). Null when requests are the unit.
   */
  books: Books | null;
  unitsUntil: number;
  since: number;
  /** Feedback up to here is in `settled`. */
  feedbackUntil: number;
}

/** Per arm, its users' sums; `covariates`: where a new user's pre-race baseline comes from (null: none). */
type Books = Map<string, UnitBook> & { covariates?: Covariates | null; requestCap?: number };

/**
 * SQLite: the rows of a race inserted since the previous tick, read once per tick (on first use) for every window
 * and the sample-ratio tally, each of which takes those after the rowid it has seen and that started at its own
 * window start or later. `since` is the earliest start any of them reads from; `contenders` every arm they read.
 */
class FreshRows {
  #rows: InsertedRow[] | null = null;
  /** The rows read are those after this rowid. */
  #after = 0;

  constructor(
    readonly requests: Pick<Store['requests'], 'insertedRows'>,
    readonly race: string,
    readonly since: number,
    readonly lastRow: number,
    readonly contenders: readonly string[],
  ) {}

  /** The rows inserted after rowid `after` (up to `lastRow`): `rows` from index `from` on. */
  async after(after: number): Promise<{ rows: readonly InsertedRow[]; from: number }> {
    if (this.#rows === null || after < this.#after) {
      this.#rows = await this.requests.insertedRows(this.race, this.since, after, this.lastRow, this.contenders);
      this.#after = after;
    }
    const rows = this.#rows;
    // Rows come in rowid order: the first after `after`, by bisection.
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]![12] <= after) lo = mid + 1;
      else hi = mid;
    }
    return { rows, from: lo };
  }
}

function bookOf(books: Books, contender: string): UnitBook {
  let b = books.get(contender);
  if (!b) books.set(contender, (b = new UnitBook(MAX_BOOK_SLOTS, books.covariates ?? null, books.requestCap ?? 0)));
  return b;
}

/**
 * Each user's pre-race covariates (see `UnitBook`, `stats/ratio.ts`) from their per-user sums on the champion:
 * their own rate of every metric minus the pooled rate; 0 where they have no observation of it.
 */
export function preRaceCovariates(requests: readonly UserMoments[], feedback: ReadonlyArray<{ userHash: string | null; n: number; sum: number }>, costFactor: (currency: string | null) => number): Map<string, Float64Array> {
  const M = UNIT_METRICS.length;
  const sums = new Map<string, Float64Array>();
  const total = new Float64Array(2 * M);
  const add = (user: string, metric: number, y: number, n: number) => {
    if (!(n > 0)) return;
    let a = sums.get(user);
    if (!a) sums.set(user, (a = new Float64Array(2 * M)));
    a[2 * metric] = a[2 * metric]! + y;
    a[2 * metric + 1] = a[2 * metric + 1]! + n;
    total[2 * metric] = total[2 * metric]! + y;
    total[2 * metric + 1] = total[2 * metric + 1]! + n;
  };
  for (const r of requests) {
    if (r.userHash === null) continue;
    add(r.userHash, METRIC_INDEX.errors, Math.min(r.requests, r.errors + r.truncations), r.requests);
    add(r.userHash, METRIC_INDEX.logLatency, r.logLatency.sum, r.logLatency.n);
    add(r.userHash, METRIC_INDEX.logTtft, r.logTtft.sum, r.logTtft.n);
    add(r.userHash, METRIC_INDEX.cost, r.cost.sum * costFactor(r.currency), r.cost.n);
  }
  for (const f of feedback) if (f.userHash !== null) add(f.userHash, METRIC_INDEX.feedback, f.sum, f.n);
  const out = new Map<string, Float64Array>();
  for (const [user, a] of sums) {
    const x = new Float64Array(M);
    for (let m = 0; m < M; m++) if (a[2 * m + 1]! > 0 && total[2 * m + 1]! > 0) x[m] = a[2 * m]! / a[2 * m + 1]! - total[2 * m]! / total[2 * m + 1]!;
    out.set(user, x);
  }
  return out;
}

export class EvidenceReader implements EvidenceSource {
  readonly #cache = new Map<string, WindowCache>();
  /**
   * Sticky races: per race, its users' pre-race covariates, read once per champion reign (`key`): the champion's
   * requests and ratings in the `pre_race_days` before the race's challengers first got traffic (`anchor`).
   */
  readonly #covariates = new Map<string, { key: string; anchor: number; users: Map<string, Float64Array> }>();
  /** SQLite: per race, the sample-ratio tally of its assignment window and the last rowid it has seen. */
  readonly #tallies = new Map<string, { since: number; key: string; lastRow: number; tally: AssignmentTally }>();

  constructor(
    readonly store: EvidenceStore,
    readonly config: EvidenceConfig,
    readonly gates: GateResults | null = null,
  ) {}

  async close(): Promise<void> {}

  async read(race: Race, state: RaceState, now: number): Promise<RaceEvidence> {
    const contenders = [state.champion, ...state.challengers.map((c) => c.contender)];
    const starts = new Set(state.challengers.filter((c) => c.status === 'active').map((c) => c.since));
    if (race.policy.type === 'bandit') {
      // The allocation reads the champion's window, the harm tests each challenger's stint.
      starts.add(state.championSince);
      for (const c of state.challengers) if (c.status === 'active') starts.add(stintOf(c).since);
    }
    if (race.policy.max_extra_spend) starts.add(spendWindowStart(state));
    // SQLite: the newest rowid, one bound for every read of this tick (null on PostgreSQL), and the rows inserted
    // since the last tick, read once for every window and the sample-ratio tally.
    const lastRow = await this.store.requests.lastRow();
    const fresh = lastRow === null ? null : new FreshRows(this.store.requests, race.name, Math.min(...starts, assignmentSince({ state })), lastRow, contenders);
    const windows = new Map<number, ReadonlyMap<string, ArmEvidence>>();
    const covariates = race.sticky && state.challengers.some((c) => c.status === 'active') ? await this.#preRace(race, state) : null;
    for (const since of starts) windows.set(since, await this.#window(race, since, contenders, now, fresh, covariates));
    for (const key of this.#cache.keys()) {
      const [name, since] = key.split('\u0000') as [string, string];
      if (name === race.name && !starts.has(Number(since))) this.#cache.delete(key);
    }
    const gates = await readGates(this.gates, race, state);
    return { windows, assignment: await this.#assignment(race, state, now, fresh), gates };
  }

  /**
   * The race's pre-race covariates, read once per champion reign: its end (the anchor) is the first request any
   * challenger served since the champion took over — or, before any did, the earliest start of an active
   * challenger's window — so every user's history ends before any user was assigned a challenger, whichever lane
   * they sit in, and a restart finds the same anchor.
   */
  async #preRace(race: Race, state: RaceState): Promise<Covariates | null> {
    const days = race.policy.pre_race_days;
    if (!(days > 0)) return null;
    const key = `${state.champion}\u0000${state.championSince}\u0000${days}`;
    let c = this.#covariates.get(race.name);
    if (!c || c.key !== key) {
      const challengers = state.challengers.map((x) => x.contender);
      const first = challengers.length > 0 ? await this.store.requests.firstServed(race.name, challengers, state.championSince) : null;
      const entered = Math.min(...state.challengers.filter((x) => x.status === 'active').map((x) => x.since));
      const anchor = Math.min(first ?? Number.POSITIVE_INFINITY, entered);
      if (!Number.isFinite(anchor)) return null;
      const from = anchor - days * 86_400_000;
      const opts = { contenders: [state.champion], untilMs: anchor };
      const [requests, feedback] = await Promise.all([this.store.requests.userMoments(race.name, from, opts), this.store.feedback.userMoments(race.name, from, opts)]);
      this.#covariates.set(race.name, (c = { key, anchor, users: preRaceCovariates(requests, feedback, (y) => this.#costFactor(y)) }));
    }
    const users = c.users;
    return users.size > 0 ? (user) => users.get(user) ?? null : null;
  }

  async #window(race: Race, since: number, contenders: string[], now: number, fresh: FreshRows | null, covariates: Covariates | null = null): Promise<Map<string, ArmEvidence>> {
    const lastRow = fresh?.lastRow ?? null;
    const id = `${race.name}\u0000${since}`;
    // A changed weight cap weighs every user afresh: the window is read again.
    const key = `${contenders.join('\u0000')}\u0000${race.policy.user_request_cap}`;
    let w = this.#cache.get(id);
    // A table whose rowids went back (rebuilt underneath a running gateway) is read whole again.
    const restart = !w || w.key !== key || (lastRow !== null && w.inserted !== null && lastRow < w.inserted.lastRow);
    if (restart) {
      const books: Books | null = race.sticky ? Object.assign(new Map<string, UnitBook>(), { covariates, requestCap: race.policy.user_request_cap }) : null;
      this.#cache.set(id, (w = { key, settledUntil: since, settled: new Map(), inserted: null, books, unitsUntil: since, since, feedbackUntil: since }));
    }
    w = w!;
    if (fresh !== null) await this.#readInserted(race.name, since, contenders, w, fresh);
    const withRequests = lastRow === null;
    const cutoff = now - this.#settleMs(race, contenders);
    if (cutoff > w.settledUntil) {
      addInto(w.settled, await this.#read(race.name, w.settledUntil, cutoff, contenders, withRequests));
      w.settledUntil = cutoff;
    }
    // Feedback is written when it is given, at its `ts`: it settles after the commit delay alone.
    const feedbackCutoff = now - SETTLE_SLACK_MS;
    if (feedbackCutoff > w.feedbackUntil) {
      addInto(w.settled, await this.#feedback(race.name, w.feedbackUntil, feedbackCutoff, contenders));
      w.feedbackUntil = feedbackCutoff;
    }
    const out = new Map(w.settled);
    addInto(out, await this.#read(race.name, w.settledUntil, undefined, contenders, withRequests));
    addInto(out, await this.#feedback(race.name, w.feedbackUntil, undefined, contenders));
    if (w.inserted) addInto(out, w.inserted.arms.values());
    if (w.books) {
      await this.#readUnits(race, contenders, w, now, withRequests);
      for (const name of contenders) {
        const arm = out.get(name) ?? emptyArm(name);
        const units = (w.books.get(name) ?? new UnitBook()).view();
        // Battles are units of their own: a verdict's user is not recorded.
        out.set(name, { ...arm, units: { ...units, judge: independentRatioMoments(arm.judge.n, arm.judge.sum, arm.judge.sumSquares) } });
      }
    }
    return out;
  }

  /**
   * Sticky races: brings the window's per-user books up to a commit delay ago — on PostgreSQL the requests that
   * *ended* since the last tick (on SQLite `#readInserted` feeds them, in insertion order), on both the feedback
   * given since. A tick thus reads each row once and hands the reading thread a few seconds of rows, where
   * re-reading the unsettled part per user (every user active in the last `total_ms`) would hand it most users
   * of a busy race every tick. The price: user-level tests see requests and ratings 30 s late, nothing for a
   * monitor that needs minutes of evidence; request counts stay current.
   */
  async #readUnits(race: Race, contenders: string[], w: WindowCache, now: number, withRequests: boolean): Promise<void> {
    const until = now - SETTLE_SLACK_MS;
    if (until <= w.unitsUntil) return;
    const books = w.books!;
    const opts = { contenders, untilMs: until };
    if (withRequests) {
      const ended = { from: w.unitsUntil, until, longestMs: this.#settleMs(race, contenders) };
      this.#feedUserSums(books, await this.store.requests.userSums(race.name, w.since, { contenders, ended }));
    }
    feedFeedback(books, await this.store.feedback.userMoments(race.name, w.unitsUntil, opts));
    w.unitsUntil = until;
  }

  /**
   * Brings a window's request moments up to rowid `lastRow`: its first read goes through the (race, contender, ts)
   * index, bounded by the rowid; later ones take only the rows inserted since, from the tick's `FreshRows` (sticky
   * races; a per-request race sums them in SQL). A table whose rowids went back
   * (rebuilt underneath a running gateway) is read whole again.
   */
  async #readInserted(race: string, since: number, contenders: string[], w: WindowCache, fresh: FreshRows): Promise<void> {
    const lastRow = fresh.lastRow;
    if (w.inserted === null) {
      const moments = w.books
        ? this.#feedRequests(w.books, await this.store.requests.userMoments(race, since, { contenders, maxRow: lastRow }))
        : await this.store.requests.metricMoments(race, since, { contenders, maxRow: lastRow });
      const arms = new Map<string, ArmEvidence>();
      addInto(arms, moments.map((m) => this.#arm(m)));
      w.inserted = { lastRow, arms };
      return;
    }
    if (lastRow === w.inserted.lastRow) return;
    const moments = w.books
      ? this.#feedUnitRows(w.books, await fresh.after(w.inserted.lastRow), since)
      : await this.store.requests.insertedMoments(race, since, w.inserted.lastRow, lastRow, contenders);
    addInto(w.inserted.arms, moments.map((m) => this.#arm(m)));
    w.inserted.lastRow = lastRow;
  }

  /** Adds request rows one by one to the books (those from `from` on that started at `since` or later); returns their moments per arm. */
  #feedUnitRows(books: Books, fresh: { rows: readonly InsertedRow[]; from: number }, since: number): ContenderMoments[] {
    const perArm = new Map<string, ContenderMoments>();
    const { rows, from } = fresh;
    let armName: string | null = null;
    let m: ContenderMoments | undefined;
    let book: UnitBook | undefined;
    for (let i = from; i < rows.length; i++) {
      const [u, s, b, x, t, l, f, k, y, contender, fallbackFrom, ts] = rows[i]!;
      if (ts < since) continue;
      const arm = fallbackFrom ?? contender;
      if (arm !== armName) {
        armName = arm;
        m = perArm.get(arm);
        if (!m) {
          // Costs summed in CNY nanos, each row converted at its own currency's rate (an arm's rescues may be
          // charged in another currency than its own rows).
          m = { contender: arm, requests: 0, errors: 0, cuts: 0, truncations: 0, logLatency: { n: 0, sum: 0, sumSquares: 0 }, logTtft: { n: 0, sum: 0, sumSquares: 0 }, cost: { n: 0, sum: 0, sumSquares: 0 }, currency: 'CNY' };
          perArm.set(arm, m);
        }
        book = bookOf(books, arm);
      }
      m = m!;
      book = book!;
      m.requests += s;
      m.errors += b - t;
      m.cuts += x;
      m.truncations += t;
      if (l !== null) addValue(m.logLatency, l);
      if (f !== null) addValue(m.logTtft, f);
      addValue(m.cost, k * this.#cnyRate(y));
      const cost = k * this.#costFactor(y);
      if (u === null) {
        book.addIndependent(METRIC_INDEX.errors, s, b, b);
        if (l !== null) book.addIndependent(METRIC_INDEX.logLatency, 1, l, l * l);
        if (f !== null) book.addIndependent(METRIC_INDEX.logTtft, 1, f, f * f);
        book.addIndependent(METRIC_INDEX.cost, 1, cost, cost * cost);
      } else {
        const slot = book.slot(u);
        book.addAt(slot, METRIC_INDEX.errors, b, s);
        if (l !== null) book.addAt(slot, METRIC_INDEX.logLatency, l, 1);
        if (f !== null) book.addAt(slot, METRIC_INDEX.logTtft, f, 1);
        book.addAt(slot, METRIC_INDEX.cost, cost, 1);
      }
    }
    return [...perArm.values()];
  }

  /** Adds per-user request sums to the books (what `#feedRequests` adds, without summing them per arm). */
  #feedUserSums(books: Books, rows: readonly UserSums[]): void {
    let armName: string | null = null;
    let book: UnitBook | undefined;
    for (const r of rows) {
      if (r.contender !== armName) {
        armName = r.contender;
        book = bookOf(books, armName);
      }
      book = book!;
      const f = this.#costFactor(r.currency);
      const bad = Math.min(r.requests, r.bad);
      if (r.user_hash === null) {
        book.addIndependent(METRIC_INDEX.errors, r.requests, bad, bad);
        book.addIndependent(METRIC_INDEX.logLatency, r.lat_n, r.lat_sum, r.lat_sq!);
        book.addIndependent(METRIC_INDEX.logTtft, r.ttft_n, r.ttft_sum, r.ttft_sq!);
        book.addIndependent(METRIC_INDEX.cost, r.cost_n, r.cost_sum * f, r.cost_sq! * f * f);
      } else {
        const slot = book.slot(r.user_hash);
        if (bad !== 0 || r.requests !== 0) book.addAt(slot, METRIC_INDEX.errors, bad, r.requests);
        if (r.lat_sum !== 0 || r.lat_n !== 0) book.addAt(slot, METRIC_INDEX.logLatency, r.lat_sum, r.lat_n);
        if (r.ttft_sum !== 0 || r.ttft_n !== 0) book.addAt(slot, METRIC_INDEX.logTtft, r.ttft_sum, r.ttft_n);
        const cost = r.cost_sum * f;
        if (cost !== 0 || r.cost_n !== 0) book.addAt(slot, METRIC_INDEX.cost, cost, r.cost_n);
      }
    }
  }

  /** Adds per-user request moments to the books; returns them summed per arm. */
  #feedRequests(books: Books, rows: readonly UserMoments[]): ContenderMoments[] {
    const perArm = new Map<string, ContenderMoments>();
    for (const r of rows) {
      const f = this.#costFactor(r.currency);
      const book = bookOf(books, r.contender);
      const bad = Math.min(r.requests, r.errors + r.truncations);
      if (r.userHash === null) {
        book.addIndependent(METRIC_INDEX.errors, r.requests, bad, bad);
        book.addIndependent(METRIC_INDEX.logLatency, r.logLatency.n, r.logLatency.sum, r.logLatency.sumSquares);
        book.addIndependent(METRIC_INDEX.logTtft, r.logTtft.n, r.logTtft.sum, r.logTtft.sumSquares);
        book.addIndependent(METRIC_INDEX.cost, r.cost.n, r.cost.sum * f, r.cost.sumSquares * f * f);
      } else {
        book.add(r.userHash, METRIC_INDEX.errors, bad, r.requests);
        book.add(r.userHash, METRIC_INDEX.logLatency, r.logLatency.sum, r.logLatency.n);
        book.add(r.userHash, METRIC_INDEX.logTtft, r.logTtft.sum, r.logTtft.n);
        book.add(r.userHash, METRIC_INDEX.cost, r.cost.sum * f, r.cost.n);
      }
      // Summed per arm and currency: `#arm` converts each sum before arms are added.
      const key = `${r.contender}\u0000${r.currency}`;
      const before = perArm.get(key);
      perArm.set(key, before ? addContenderMoments(before, r) : r);
    }
    return [...perArm.values()];
  }

  /** `contenders[0]` is the champion: battle scores are read against it. Requests only when asked. */
  async #read(race: string, since: number, untilMs: number | undefined, contenders: string[], withRequests: boolean): Promise<ArmEvidence[]> {
    const opts = untilMs === undefined ? { contenders } : { contenders, untilMs };
    const [requests, battles] = await Promise.all([
      withRequests ? this.store.requests.metricMoments(race, since, opts) : [],
      this.store.battles.pairCounts({ race, contenders, sources: RACE_BATTLE_SOURCES, since, ...(untilMs === undefined ? {} : { until: untilMs }) }),
    ]);
    // One row per arm and currency: converted, then added per arm.
    const arms = new Map<string, ArmEvidence>();
    addInto(arms, requests.map((m) => this.#arm(m)));
    const arm = (name: string): ArmEvidence => arms.get(name) ?? emptyArm(name);
    for (const [name, judge] of battleScores(battles, contenders[0]!)) arms.set(name, { ...arm(name), judge });
    return [...arms.values()];
  }

  /** CNY per nano of `currency`. */
  #costFactor(currency: string | null): number {
    return (currency === 'USD' ? this.config.fx.USD : this.config.fx.CNY) / 1e9;
  }

  /** CNY nanos per nano of `currency`. */
  #cnyRate(currency: string | null): number {
    return currency === 'USD' ? this.config.fx.USD / this.config.fx.CNY : 1;
  }

  /** Feedback given in [since, untilMs), per contender. */
  async #feedback(race: string, since: number, untilMs: number | undefined, contenders: string[]): Promise<ArmEvidence[]> {
    const rows = await this.store.feedback.metricMoments(race, since, untilMs === undefined ? { contenders } : { contenders, untilMs });
    return rows.map((f) => ({ ...emptyArm(f.contender), feedback: { n: f.n, sum: f.sum, sumSquares: f.sumSquares } }));
  }

  /** Store moments → evidence, with cost converted from nanos of its currency to CNY. */
  #arm(m: ContenderMoments): ArmEvidence {
    const f = this.#costFactor(m.currency);
    return {
      ...emptyArm(m.contender),
      requests: m.requests, errors: m.errors, cuts: m.cuts, truncations: m.truncations,
      logLatency: m.logLatency, logTtft: m.logTtft,
      cost: { n: m.cost.n, sum: m.cost.sum * f, sumSquares: m.cost.sumSquares * f * f },
    };
  }

  /** Units per contender in the assignment window: distinct users for sticky races, requests otherwise. */
  async #assignment(race: Race, state: RaceState, now: number, fresh: FreshRows | null): Promise<RaceEvidence['assignment']> {
    if (race.policy.type === 'bandit' || !state.challengers.some((c) => c.status === 'active' && c.weight > 0)) {
      this.#tallies.delete(race.name);
      return null;
    }
    const since = assignmentSince({ state });
    const contenders = [state.champion, ...state.challengers.filter((c) => c.status === 'active').map((c) => c.contender)];
    const from = srmWindowStart(since, now);
    const counts = fresh === null ? await this.store.requests.assignmentCounts(race.name, from, { contenders }) : await this.#tallied(race.name, since, from, contenders, fresh);
    return { since, units: new Map(counts.map((c) => [c.contender, race.sticky ? c.users + c.anonymous : c.rows])) };
  }

  /**
   * SQLite: the assignment counts from a tally kept across ticks, fed each tick the rows inserted since, the same
   * `FreshRows` the windows fold (see `AssignmentTally`). A new assignment window, other arms, or rowids that went back start it afresh from the
   * index. Rows are fed from the window's start, not its sliding edge: a late row older than the edge is dropped
   * by the count, not missed.
   */
  async #tallied(race: string, since: number, from: number, contenders: string[], fresh: FreshRows): Promise<AssignmentCounts[]> {
    const lastRow = fresh.lastRow;
    const key = contenders.join('\u0000');
    let t = this.#tallies.get(race);
    if (!t || t.since !== since || t.key !== key || lastRow < t.lastRow) {
      const tally = new AssignmentTally();
      for await (const row of this.store.requests.assignmentRows(race, from, contenders, { upTo: lastRow })) tally.add(row);
      this.#tallies.set(race, (t = { since, key, lastRow, tally }));
    } else if (lastRow > t.lastRow) {
      const { rows, from: first } = await fresh.after(t.lastRow);
      // The fresh rows are those of every arm of the race's windows; the tally counts only the active ones.
      const arms = fresh.contenders.length === contenders.length ? null : new Set(contenders);
      for (let i = first; i < rows.length; i++) {
        const r = rows[i]!;
        const ts = r[11];
        if (ts < since) continue;
        const contender = r[9];
        const fallbackFrom = r[10];
        if (arms !== null && !arms.has(contender) && !(fallbackFrom !== null && arms.has(fallbackFrom))) continue;
        t.tally.addRow(fallbackFrom ?? contender, r[0], ts);
      }
      t.lastRow = lastRow;
    }
    return t.tally.counts(from);
  }

  /** How long after its start a request's row can still appear: the race's longest total timeout, plus slack. */
  #settleMs(race: Race, contenders: readonly string[]): number {
    let longest = 0;
    for (const name of [...contenders, ...race.fallbacks]) {
      longest = Math.max(longest, this.config.contenders.get(name)?.timeouts.totalMs ?? 0);
    }
    return longest + SETTLE_SLACK_MS;
  }
}

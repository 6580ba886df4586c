/**
 * `saima arena judge`: n battles of a race judged by an LLM. Each battle takes the next prompt (a seeded shuffle,
 * cycled), an informative pair among the race's arena contenders (pairing.ts, updated as the run's own battles come
 * in), both answers (asked once per contender and prompt, then reused), and the judge twice with positions
 * swapped. Every battle is appended as soon as it is judged, so an interrupted run keeps what it paid for; a judge
 * reply without a verdict is stored as an error, never a win. The judge never judges its own answers.
 */
import { randomUUID } from 'node:crypto';
import { SaimaError } from '../errors.js';
import { SeededRandom } from '../stats/index.js';
import type { BattleWinner, PairOutcomeCount } from '../store/index.js';
import type { ArenaDeps } from './arena-deps.js';
import { buildBattle } from './battle.js';
import { callBody, callContender, type CallResult, type SpendGuard } from './contender-call.js';
import { appliedCap, requestedCap } from '../metering/output-cap.js';
import { judgePair } from './judge.js';
import type { JudgePrompt } from './judge-prompt.js';
import { leaderboardScope } from './leaderboard-query.js';
import { choosePair } from './pairing.js';
import { pairingStatsFrom, type PairingStats } from './pairing-stats.js';
import { questionText, transcript } from './prompt-text.js';
import type { ArenaPrompt } from './prompts-file.js';
import { arenaContenders } from './race-members.js';

export interface JudgeRunOptions {
  race: string;
  prompts: readonly ArenaPrompt[];
  /** Battles to judge. */
  n: number;
  judge: string;
  prompt: JudgePrompt;
  /** Battles in flight at once. Default 4. */
  concurrency?: number;
  seed?: number;
  /** Override the race's arena contenders. */
  contenders?: readonly string[];
  /** Team the calls are metered to. */
  team?: string | null;
  /** Key the calls are metered to (its key-scoped budgets cover them). */
  keyId?: string | null;
  /**
   * Budgets the calls pay from: each answer and judge call is reserved before it is sent. A refusal stops the run
   * (what was judged is kept); `stopped` says why.
   */
  guards?: { answer: SpendGuard; judge: SpendGuard };
}

export interface JudgeRunSummary {
  race: string;
  judge: string;
  contenders: string[];
  battles: number;
  /** Battles without a verdict (stored with their error). */
  judge_errors: number;
  /** Battles not judged because a contender failed to answer (nothing stored). */
  answer_errors: number;
  /** Of the judged battles, those whose two orders agreed; the rest count as ties. */
  consistent: number;
  position_consistency: number | null;
  /** Share of decisive verdicts (A or B) that named the answer shown first: 0.5 for a judge without position bias. */
  first_position_rate: number | null;
  outcomes: Record<BattleWinner, number>;
  cost: Record<string, number>;
  /**
   * Battles not stored because a budget refused one of their calls: once one refuses, no new call is sent, the
   * calls in flight finish (and are paid and logged), and the battles waiting on a refused call count here.
   */
  refused: number;
  /** Why the run stopped short of n battles (a budget refused a call), else null. */
  stopped: string | null;
}

export async function runJudge(deps: ArenaDeps, opts: JudgeRunOptions, onBattle?: (done: number) => void): Promise<JudgeRunSummary> {
  const race = deps.config.races.get(opts.race);
  if (!race) throw new SaimaError('not_found', `No race named '${opts.race}'.`, 'race');
  if (!deps.config.contenders.has(opts.judge)) throw new SaimaError('not_found', `No contender named '${opts.judge}' to judge.`, 'judge');
  const names = (opts.contenders ?? arenaContenders(deps.config, race, deps.stateOf(race.name))).filter((c) => c !== opts.judge);
  for (const c of names) if (!deps.config.contenders.has(c)) throw new SaimaError('not_found', `No contender named '${c}'.`, 'contenders');
  if (names.length < 2) throw new SaimaError('invalid_request', `Race '${race.name}' has fewer than two contenders to judge (the judge never judges itself).`, 'race');
  const random = new SeededRandom(opts.seed ?? 0);
  const rand = () => random.next();
  const order = opts.prompts.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const { filter, members } = await leaderboardScope(deps, { race: race.name });
  const counts: PairOutcomeCount[] = await deps.store.battles.pairCounts(filter);
  const pool = [...new Set([...(members ?? []), ...names])];
  let stats: PairingStats = pairingStatsFrom(counts, pool);
  const team = opts.team ?? null;
  let stopped: string | null = null;
  const keyId = opts.keyId ?? null;
  // Once a budget has refused, no new call is sent: every later reservation is refused here, without asking.
  const stopping = (g: SpendGuard): SpendGuard => async (c, body) => {
    if (stopped !== null) throw new SaimaError('budget_exceeded', stopped.replace(/^judge call refused: /, ''));
    return g(c, body);
  };
  const guards = opts.guards ? { answer: stopping(opts.guards.answer), judge: stopping(opts.guards.judge) } : null;
  const paid = async (name: string, p: number): Promise<CallResult | null> => {
    const messages = opts.prompts[p]!.messages;
    const meta = { race: race.name, team, keyId, parentId: null, capture: race.capture, kind: 'arena' };
    if (!guards) return callContender(deps, name, messages, meta);
    // Reserved at its maximum, and sent with the output cap it was reserved at.
    const c = deps.config.contenders.get(name)!;
    const params = { max_tokens: appliedCap(requestedCap({}, c), c) };
    try {
      const settle = await guards.answer(c, callBody(c, messages, params));
      return await callContender(deps, name, messages, { ...meta, params, settle });
    } catch (err) {
      if (!(err instanceof SaimaError) || err.code !== 'budget_exceeded') throw err;
      stopped ??= err.message;
      return null;
    }
  };
  const answers = new Map<string, Promise<CallResult | null>>();
  const answer = (name: string, p: number) => {
    const key = `${name}\u0000${p}`;
    let r = answers.get(key);
    if (!r) {
      r = paid(name, p);
      answers.set(key, r);
    }
    return r;
  };
  const summary: JudgeRunSummary = {
    race: race.name, judge: opts.judge, contenders: names, battles: 0, judge_errors: 0, answer_errors: 0, consistent: 0,
    position_consistency: null, first_position_rate: null, outcomes: { a: 0, b: 0, tie: 0, tie_bothbad: 0 }, cost: {}, refused: 0, stopped: null,
  };
  const spend = (currency: string, nanos: number) => (summary.cost[currency] = (summary.cost[currency] ?? 0) + nanos / 1e9);
  let firstPicked = 0;
  let decisive = 0;
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < opts.n && stopped === null; k = next++) {
      const p = order[k % order.length]!;
      const [a, b] = choosePair({ names, battles: stats.battles, rating: stats.rating, random: rand });
      const [ra, rb] = await Promise.all([answer(a, p), answer(b, p)]);
      if (!ra || !rb) {
        summary.refused++;
        break;
      }
      if (!ra.ok || !rb.ok) {
        summary.answer_errors++;
        continue;
      }
      const id = `battle_${randomUUID()}`;
      const item = opts.prompts[p]!;
      const verdict = await judgePair(deps, {
        judge: opts.judge, prompt: opts.prompt, question: questionText(item.messages), answerA: ra.text, answerB: rb.text,
        meta: { race: race.name, team, keyId, parentId: id, capture: race.capture },
        ...(guards ? { guard: guards.judge } : {}),
      });
      // A judge call the budgets refused: the battle is not stored, and the run stops here (the other game, if
      // it was sent, has finished and is paid for).
      const refused = verdict.games.find((g) => g.error?.startsWith('judge call refused'));
      if (refused && guards) {
        stopped ??= refused.error;
        summary.refused++;
        for (const g of verdict.games) spend(deps.config.contenders.get(opts.judge)!.price.currency, g.costNanos);
        break;
      }
      for (const g of verdict.games) {
        spend(deps.config.contenders.get(opts.judge)!.price.currency, g.costNanos);
        if (g.verdict === 'A' || g.verdict === 'B') {
          decisive++;
          if (g.verdict === 'A') firstPicked++;
        }
      }
      const battle = await buildBattle({
        id, ts: deps.now(), race: race.name, prompt: transcript(item.messages), capture: race.capture,
        contenderA: a, contenderB: b, answerA: ra.text, answerB: rb.text,
        winner: verdict.ok ? verdict.winner : null, error: verdict.ok ? null : verdict.error,
        source: 'judge', voter: opts.judge, team, tags: item.tags, ...(item.language ? { language: item.language } : {}),
        details: { games: verdict.games.map(({ order: o, verdict: v, calls, error }) => ({ order: o, verdict: v, calls, error })), consistent: verdict.ok ? verdict.consistent : null },
      });
      await deps.store.battles.insert([battle]);
      summary.battles++;
      if (verdict.ok) {
        summary.outcomes[verdict.winner]++;
        if (verdict.consistent) summary.consistent++;
        counts.push({ contenderA: a, contenderB: b, winner: verdict.winner, n: 1 });
        if (summary.battles % 10 === 0) stats = pairingStatsFrom(counts, pool);
      } else {
        summary.judge_errors++;
      }
      onBattle?.(summary.battles);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 4) }, worker));
  for (const r of answers.values()) {
    const done = await r;
    if (done) spend(done.row.currency, done.row.costNanos);
  }
  summary.stopped = stopped;
  const judged = summary.battles - summary.judge_errors;
  summary.position_consistency = judged > 0 ? summary.consistent / judged : null;
  summary.first_position_rate = decisive > 0 ? firstPicked / decisive : null;
  return summary;
}

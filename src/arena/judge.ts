/**
 * The LLM judge on one pair of answers, judged twice with positions swapped (MT-Bench pairwise, Arena-Hard-Auto):
 * game 1 shows a's answer as A, game 2 shows b's answer as A. The two verdicts, mapped back to a and b, must agree
 * to count; when they differ the battle is a tie, as FastChat's `show_result.py` scores an "inconsistent" pair.
 * A judge that always prefers the first position therefore produces ties, never a winner. A reply without a clear
 * verdict is retried once with a reminder; if the retry has none either, the battle is an error, never a win.
 */
import type { BattleWinner } from '../store/index.js';
import { appliedCap, requestedCap } from '../metering/output-cap.js';
import { callBody, callContender, type ArenaCallDeps, type CallMeta, type Settle, type SpendGuard } from './contender-call.js';
import { renderJudgePrompt, VERDICT_REMINDER, type JudgePrompt } from './judge-prompt.js';
import { parseVerdict, type Verdict } from './verdict.js';

export interface JudgeInput {
  /** The judge contender. */
  judge: string;
  prompt: JudgePrompt;
  question: string;
  /** Contender a's answer and contender b's answer. */
  answerA: string;
  answerB: string;
  meta: Omit<CallMeta, 'kind' | 'params'>;
  /** Body fields for the judge calls. Default `{ temperature: 0 }` (MT-Bench). */
  params?: Record<string, unknown>;
  /** Admission for each judge call (budgets): it is reserved before it is sent, and a refusal ends the game. */
  guard?: SpendGuard;
}

export interface GameRecord {
  /** `ab`: a's answer shown as A; `ba`: swapped. */
  order: 'ab' | 'ba';
  verdict: Verdict | null;
  /** The verdict mapped back to contenders a and b. */
  winner: BattleWinner | null;
  /** Judge calls made for this game (2 when the first reply had no verdict). */
  calls: number;
  error: string | null;
  costNanos: number;
}

export type JudgeOutcome =
  | { ok: true; winner: BattleWinner; consistent: boolean; games: [GameRecord, GameRecord] }
  | { ok: false; error: string; games: [GameRecord, GameRecord] };

const TO_WINNER: Record<Verdict, readonly [BattleWinner, BattleWinner]> = {
  A: ['a', 'b'],
  B: ['b', 'a'],
  tie: ['tie', 'tie'],
  both_bad: ['tie_bothbad', 'tie_bothbad'],
};

export async function judgePair(deps: ArenaCallDeps, input: JudgeInput): Promise<JudgeOutcome> {
  const games = await Promise.all([playGame(deps, input, 'ab'), playGame(deps, input, 'ba')]);
  const [g1, g2] = games;
  const failed = games.find((g) => g.winner === null);
  if (failed) return { ok: false, error: `${failed.order === 'ab' ? 'first' : 'swapped'} order: ${failed.error ?? 'no verdict'}`, games };
  const consistent = g1.winner === g2.winner;
  return { ok: true, winner: consistent ? g1.winner! : 'tie', consistent, games };
}

async function playGame(deps: ArenaCallDeps, input: JudgeInput, order: 'ab' | 'ba'): Promise<GameRecord> {
  const [first, second] = order === 'ab' ? [input.answerA, input.answerB] : [input.answerB, input.answerA];
  const messages = renderJudgePrompt(input.prompt, { question: input.question, answerA: first, answerB: second });
  let params = input.params ?? { temperature: 0 };
  const judge = deps.config.contenders.get(input.judge);
  // A paid judge call is sent the output cap it is reserved at.
  if (input.guard && judge && requestedCap(params, judge).tokens === null) params = { ...params, max_tokens: appliedCap(requestedCap(params, judge), judge) };
  const meta: CallMeta = { ...input.meta, kind: 'judge', params };
  const record: GameRecord = { order, verdict: null, winner: null, calls: 0, error: null, costNanos: 0 };
  let conversation: Array<{ role: string; content: unknown }> = messages;
  for (let call = 0; call < 2; call++) {
    let settle: Settle | undefined;
    if (input.guard && judge) {
      try {
        settle = await input.guard(judge, callBody(judge, conversation, params));
      } catch (err) {
        record.error = `judge call refused: ${(err as Error).message}`;
        return record;
      }
    }
    const r = await callContender(deps, input.judge, conversation, settle ? { ...meta, settle } : meta);
    record.calls++;
    record.costNanos += r.row.costNanos;
    if (!r.ok) {
      record.error = `judge call failed: ${r.code}: ${r.message}`;
      return record;
    }
    const verdict = parseVerdict(r.text);
    if (verdict) {
      record.verdict = verdict;
      record.winner = TO_WINNER[verdict][order === 'ab' ? 0 : 1];
      record.error = null;
      return record;
    }
    record.error = `unparsable verdict: ${JSON.stringify(r.text.slice(-200))}`;
    conversation = [...messages, { role: 'assistant', content: r.text }, { role: 'user', content: VERDICT_REMINDER }];
  }
  return record;
}

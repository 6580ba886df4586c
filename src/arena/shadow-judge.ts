/**
 * Judged shadow traffic: when a race sets `shadow.judge`, a sampled share (`judge_rate`) of its shadow calls is
 * judged against the answer that was served, in both orders, and stored as a `shadow_judge` battle — real
 * production prompts turned into arena evidence. It needs the served answer's text, which exists only when the
 * race captures text (`capture: true`); without capture nothing is judged. It runs in the shadow call's background
 * task, so it never delays the served response. The served request may finish after its shadow copy, so its row
 * is awaited in the request log (polled with backoff, bounded by the served contender's total timeout).
 */
import type { RequestLogRow } from '../store/types.js';
import type { ArenaDeps } from './arena-deps.js';
import type { SpendGuard } from './contender-call.js';
import { buildBattle } from './battle.js';
import { judgePair } from './judge.js';
import { DEFAULT_JUDGE_PROMPT } from './judge-prompt.js';
import { questionText } from './prompt-text.js';

/** The served request, as the gateway knows it when the shadow call ends (its `CallFacts`). */
export interface ServedRequest {
  id: string;
  race: string | null;
  team: string | null;
  keyId: string | null;
  /** Set only when the race captures text. */
  promptText: string | null;
}

export type ShadowJudgeDeps = Pick<ArenaDeps, 'config' | 'store' | 'attemptDeps' | 'now' | 'random'> & {
  /** Admission for the judge calls (budgets covering the judge, the race, the team and key). */
  guard?: SpendGuard;
};

/** Judges one shadow answer against the served one when the race asks for it; never throws. */
export async function judgeShadowPair(deps: ShadowJudgeDeps, body: { messages?: unknown }, served: ServedRequest, shadow: RequestLogRow): Promise<void> {
  try {
    const race = served.race !== null ? deps.config.races.get(served.race) : undefined;
    const judge = race?.shadow?.judge;
    if (!race?.shadow || !judge || !race.capture || served.promptText === null) return;
    if (shadow.outcome !== 'ok' || shadow.responseText === null || shadow.contender === null) return;
    if (!(deps.random() < race.shadow.judgeRate)) return;
    const row = await servedRow(deps, served.id);
    if (!row || row.outcome !== 'ok' || row.responseText === null || row.contender === null || row.contender === shadow.contender) return;
    if (judge === row.contender || judge === shadow.contender) return; // a judge never judges its own answer
    const messages = Array.isArray(body.messages) ? (body.messages as Array<{ role?: unknown; content?: unknown }>) : [];
    const verdict = await judgePair(deps, {
      judge,
      prompt: DEFAULT_JUDGE_PROMPT,
      question: questionText(messages),
      answerA: row.responseText,
      answerB: shadow.responseText,
      meta: { race: race.name, team: served.team, keyId: served.keyId, parentId: served.id, capture: true },
      ...(deps.guard ? { guard: deps.guard } : {}),
    });
    const battle = await buildBattle({
      ts: deps.now(), race: race.name, prompt: served.promptText, capture: true,
      contenderA: row.contender, contenderB: shadow.contender, answerA: row.responseText, answerB: shadow.responseText,
      winner: verdict.ok ? verdict.winner : null, error: verdict.ok ? null : verdict.error,
      source: 'shadow_judge', voter: judge, team: served.team,
      details: {
        served_request: served.id, shadow_request: shadow.id, consistent: verdict.ok ? verdict.consistent : null,
        games: verdict.games.map(({ order, verdict: v, calls, error }) => ({ order, verdict: v, calls, error })),
      },
    });
    await deps.store.battles.insert([battle]);
  } catch {
    // Shadow judging is best-effort evidence; a failure here must never surface in the gateway.
  }
}

async function servedRow(deps: ShadowJudgeDeps, id: string): Promise<RequestLogRow | null> {
  const contenderTimeouts = [...deps.config.contenders.values()].map((c) => c.timeouts.totalMs);
  const deadline = performance.now() + Math.max(...contenderTimeouts, 1000) + 5000;
  for (let wait = 20; ; wait = Math.min(1000, wait * 2)) {
    const row = await deps.store.requests.getRequest(id);
    if (row) return row;
    if (performance.now() + wait > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/**
 * The `judge` grader (promptfoo's llm-rubric): a judge contender reads the question, the reference answer if any,
 * the rubric and the answer, and must end its reply with a line `SCORE: N`, N an integer 0–10. The score is parsed
 * strictly: a reply without exactly that last line is an error (`judge_unparsable`), never a pass, so a judge that
 * rambles cannot inflate a contender's score.
 */
import type { Contender } from '../../config/types.js';
import { withReservedCap } from '../call-max.js';
import type { GraderSpec, Message } from '../suite-schema.js';
import { gradeError, type Grade, type GradeContext } from './grade.js';

type Spec = Extract<GraderSpec, { type: 'judge' }>;

const SCORE_LINE = /^SCORE:\s*(\d{1,2})$/;

/**
 * The judge's prompt: a system message and a user message with `{{rubric}}`, `{{question}}`, `{{reference}}` and
 * `{{answer}}` filled in. Its text is part of the grading key (`grading-key.ts`), so a grade made under another text
 * is not reused: edit it freely, the grades follow.
 */
export const JUDGE_PROMPT = {
  system:
    'You grade answers strictly against a rubric. Reply with one or two sentences of reasoning, then a final line exactly of the form "SCORE: N", where N is an integer from 0 (fails the rubric) to 10 (fully meets it). Nothing after that line.',
  user: 'Rubric:\n{{rubric}}\n\nQuestion:\n{{question}}\n\nReference answer:\n{{reference}}\n\nAnswer to grade:\n{{answer}}',
} as const;

/** The judge's sampling settings, besides its output cap (`judgeParams`). Part of the grading key too. */
export const JUDGE_SAMPLING: Readonly<Record<string, unknown>> = Object.freeze({ temperature: 0 });

/**
 * Every request field a judge call is sent with: the sampling settings and the judge contender's output cap (its
 * `max_output_tokens`, else the default), in the field its quirks name. The same with or without a cost cap, so a
 * grade does not depend on how the run was paid for.
 */
export function judgeParams(judge: Contender): Record<string, unknown> {
  return withReservedCap(JUDGE_SAMPLING, judge);
}

export function judgeMessages(spec: Spec, answer: string, ctx: GradeContext): Message[] {
  const question = ctx.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n\n');
  const reference = ctx.expected === undefined || ctx.expected === null ? '(none)' : typeof ctx.expected === 'string' ? ctx.expected : JSON.stringify(ctx.expected);
  const fields: Record<string, string> = { rubric: spec.rubric, question, reference, answer };
  // One pass over the template: a placeholder inside a filled-in value stays as it is.
  const user = JUDGE_PROMPT.user.replace(/\{\{(rubric|question|reference|answer)\}\}/g, (_, name: string) => fields[name]!);
  return [
    { role: 'system', content: JUDGE_PROMPT.system },
    { role: 'user', content: user },
  ];
}

/** N/10 from the judge's reply, or null when its last non-empty line is not `SCORE: N` with 0 ≤ N ≤ 10. */
export function parseJudgeScore(reply: string): number | null {
  const lines = reply.split('\n').map((l) => l.trim()).filter(Boolean);
  const m = SCORE_LINE.exec(lines[lines.length - 1] ?? '');
  if (!m) return null;
  const n = Number(m[1]);
  return n <= 10 ? n / 10 : null;
}

export async function judge(answer: string, spec: Spec, ctx: GradeContext): Promise<Grade> {
  if (!ctx.judge) return gradeError('judge_missing', 'the judge grader needs a judge contender (--judge NAME)');
  const reply = await ctx.judge(judgeMessages(spec, answer, ctx), spec.contender);
  if (!reply.ok) return gradeError(`judge_${reply.error.code}`, `judge call failed: ${reply.error.message}`);
  const score = parseJudgeScore(reply.text);
  if (score === null) return gradeError('judge_unparsable', `judge reply does not end with "SCORE: N" (0–10): ${JSON.stringify(reply.text.slice(-120))}`);
  return { ok: true, pass: score >= spec.threshold, score, extracted: null, reason: reply.text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, -1).join(' ').slice(0, 300) };
}

/**
 * The `judge` grader (promptfoo's llm-rubric): a judge contender reads the question, the reference answer if any,
 * the rubric and the answer, and must end its reply with a line `SCORE: N`, N an integer 0–10. The score is parsed
 * strictly: a reply without exactly that last line is an error (`judge_unparsable`), never a pass, so a judge that
 * rambles cannot inflate a contender's score.
 */
import type { GraderSpec, Message } from '../suite-schema.js';
import { gradeError, type Grade, type GradeContext } from './grade.js';

type Spec = Extract<GraderSpec, { type: 'judge' }>;

const SCORE_LINE = /^SCORE:\s*(\d{1,2})$/;

export function judgeMessages(spec: Spec, answer: string, ctx: GradeContext): Message[] {
  const question = ctx.messages.filter((m) => m.role === 'user').map((m) => m.content).join('\n\n');
  const reference = ctx.expected === undefined || ctx.expected === null ? '(none)' : typeof ctx.expected === 'string' ? ctx.expected : JSON.stringify(ctx.expected);
  return [
    {
      role: 'system',
      content:
        'You grade answers strictly against a rubric. Reply with one or two sentences of reasoning, then a final line exactly of the form "SCORE: N", where N is an integer from 0 (fails the rubric) to 10 (fully meets it). Nothing after that line.',
    },
    { role: 'user', content: `Rubric:\n${spec.rubric}\n\nQuestion:\n${question}\n\nReference answer:\n${reference}\n\nAnswer to grade:\n${answer}` },
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

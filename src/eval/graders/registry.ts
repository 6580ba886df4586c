/**
 * Graders as pure handlers in one registry (promptfoo style): the type names a handler, the handler turns an
 * answer into a `Grade`. A variant with several graders passes only when all pass; its score is their weighted mean.
 * `negate` flips a verdict (promptfoo's `not-` forms); an error stays an error.
 */
import type { GraderSpec, GraderType } from '../suite-schema.js';
import type { Grade, GradeContext } from './grade.js';
import { judge } from './judge.js';
import { choice, jsonSchema, number } from './structured-graders.js';
import { contains, exact, regex, startsWith } from './text-graders.js';

type Handler<T extends GraderType> = (answer: string, spec: Extract<GraderSpec, { type: T }>, ctx: GradeContext) => Grade | Promise<Grade>;

export const GRADERS: { [T in GraderType]: Handler<T> } = {
  exact,
  contains,
  'starts-with': startsWith,
  regex,
  number,
  choice,
  'json-schema': jsonSchema,
  judge,
};

export async function gradeAnswer(answer: string, graders: readonly GraderSpec[], ctx: GradeContext, passThreshold: number | null = null): Promise<Grade> {
  const grades: Grade[] = [];
  for (const spec of graders) {
    const handler = GRADERS[spec.type] as Handler<typeof spec.type>;
    let g = await handler(answer, spec as never, ctx);
    if (g.ok && spec.negate) g = { ...g, pass: !g.pass, score: 1 - g.score };
    if (!g.ok) return g;
    grades.push(g);
  }
  if (grades.length === 1 && passThreshold === null) return grades[0]!;
  const ok = grades as Array<Extract<Grade, { ok: true }>>;
  // promptfoo's test score: the weighted mean of the assertions' scores (0 when every weight is 0); the pass needs
  // every assertion to pass, whatever its weight.
  // With a pass threshold (promptfoo's test threshold) the weighted score decides, not each grader.
  const weights = graders.map((g) => g.weight);
  const total = weights.reduce((s, w) => s + w, 0);
  const score = total > 0 ? ok.reduce((s, g, i) => s + g.score * weights[i]!, 0) / total : 0;
  return {
    ok: true,
    pass: passThreshold === null ? ok.every((g) => g.pass) : score >= passThreshold,
    score,
    extracted: ok.find((g) => g.extracted !== null)?.extracted ?? null,
  };
}

/** Whether grading needs a judge call (so the runner stores the answer first and grades after). */
export const needsJudge = (graders: readonly GraderSpec[]): boolean => graders.some((g) => g.type === 'judge');

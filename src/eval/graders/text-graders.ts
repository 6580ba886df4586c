/** Deterministic text graders: exact, contains, starts-with, regex (promptfoo's equals, contains/icontains, …). */
import type { GraderSpec } from '../suite-schema.js';
import { gradeError, pass, type Grade, type GradeContext } from './grade.js';

type Spec<T extends GraderSpec['type']> = Extract<GraderSpec, { type: T }>;

const squash = (s: string) => s.trim().replace(/\s+/g, ' ');
const fold = (s: string, ignoreCase: boolean) => (ignoreCase ? s.toLowerCase() : s);
const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);

export function exact(answer: string, spec: Spec<'exact'>, ctx: GradeContext): Grade {
  const want = spec.value ?? textOf(ctx.expected);
  if (want === null) return gradeError('invalid_grader', 'exact: nothing to compare with');
  const norm = spec.squash_whitespace ? squash : (x: string) => x;
  const got = norm(answer);
  return pass(fold(got, spec.ignore_case) === fold(norm(want), spec.ignore_case), got);
}

export function contains(answer: string, spec: Spec<'contains'>, ctx: GradeContext): Grade {
  const raw = spec.value ?? (Array.isArray(ctx.expected) ? ctx.expected : textOf(ctx.expected));
  if (raw === null || raw === undefined) return gradeError('invalid_grader', 'contains: nothing to look for');
  const wanted = (Array.isArray(raw) ? raw : [raw]).map((v) => fold(String(v), spec.ignore_case));
  const hay = fold(answer, spec.ignore_case);
  const hits = wanted.filter((w) => hay.includes(w));
  return pass(spec.mode === 'any' ? hits.length > 0 : hits.length === wanted.length, hits.join(', ') || null);
}

export function startsWith(answer: string, spec: Spec<'starts-with'>, ctx: GradeContext): Grade {
  const want = spec.value ?? textOf(ctx.expected);
  if (want === null) return gradeError('invalid_grader', 'starts-with: nothing to compare with');
  const got = spec.trim ? answer.trim() : answer;
  return pass(fold(got, spec.ignore_case).startsWith(fold(want, spec.ignore_case)), got.slice(0, want.length));
}

export function regex(answer: string, spec: Spec<'regex'>, ctx: GradeContext): Grade {
  const pattern = spec.pattern ?? textOf(ctx.expected);
  if (pattern === null) return gradeError('invalid_grader', 'regex: no pattern');
  let re: RegExp;
  try {
    re = new RegExp(pattern, spec.flags);
  } catch (err) {
    return gradeError('invalid_grader', `regex: ${(err as Error).message}`);
  }
  const m = re.exec(answer);
  return pass(m !== null, m?.[0] ?? null);
}

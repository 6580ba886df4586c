/** Graders that extract something first: number (with tolerance), choice (a letter), json-schema. */
import { z } from 'zod';
import type { GraderSpec } from '../suite-schema.js';
import { formatNumber } from '../template.js';
import { extractChoice } from './extract-choice.js';
import { extractFinalNumber } from './extract-number.js';
import { extractJson } from './extract-json.js';
import { gradeError, pass, type Grade, type GradeContext } from './grade.js';

type Spec<T extends GraderSpec['type']> = Extract<GraderSpec, { type: T }>;

export function number(answer: string, spec: Spec<'number'>, ctx: GradeContext): Grade {
  const want = typeof ctx.expected === 'number' ? ctx.expected : Number(String(ctx.expected).trim());
  if (!Number.isFinite(want)) return gradeError('invalid_grader', `number: expected ${String(ctx.expected)} is not a number`);
  const got = extractFinalNumber(answer);
  if (got === null) return pass(false, null, 'no number in the answer');
  const bound = spec.relative ? spec.tolerance * Math.abs(want) : spec.tolerance;
  return pass(Math.abs(got - want) <= bound + 1e-12, formatNumber(got));
}

export function choice(answer: string, _spec: Spec<'choice'>, ctx: GradeContext): Grade {
  if (!ctx.choices || typeof ctx.expected !== 'string') return gradeError('invalid_grader', 'choice: the item has no options');
  const got = extractChoice(answer, ctx.choices);
  return pass(got === ctx.expected, got, got === null ? 'no option chosen' : undefined);
}

const compiled = new Map<string, z.ZodType>();

/**
 * JSON Schema's `required` holds for names that `properties` does not list too (as ajv checks it); the converter
 * only enforces listed ones, so each required name gets an unconstrained property first, recursively.
 */
function withRequiredProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withRequiredProperties);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = withRequiredProperties(v);
  if (Array.isArray(out.required)) {
    const props = { ...((out.properties as Record<string, unknown> | undefined) ?? {}) };
    for (const name of out.required) if (typeof name === 'string' && !(name in props)) props[name] = {};
    out.properties = props;
  }
  return out;
}

/** The whole answer as JSON (JSON.parse tolerates surrounding whitespace only), else undefined. */
function wholeJson(answer: string): unknown {
  try {
    return JSON.parse(answer) as unknown;
  } catch {
    return undefined;
  }
}

export function jsonSchema(answer: string, spec: Spec<'json-schema'>): Grade {
  const value = spec.whole ? wholeJson(answer) : extractJson(answer);
  if (value === undefined) return pass(false, null, spec.whole ? 'the answer is not JSON' : 'no JSON in the answer');
  const extracted = JSON.stringify(value);
  if (!spec.schema) return pass(true, extracted);
  const key = JSON.stringify(spec.schema);
  let schema = compiled.get(key);
  if (!schema) {
    try {
      schema = z.fromJSONSchema(withRequiredProperties(spec.schema) as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (err) {
      return gradeError('invalid_grader', `json-schema: ${(err as Error).message.split('\n')[0]}`);
    }
    if (compiled.size > 256) compiled.clear();
    compiled.set(key, schema);
  }
  const r = schema.safeParse(value);
  return pass(r.success, extracted, r.success ? undefined : r.error.issues[0]?.message);
}

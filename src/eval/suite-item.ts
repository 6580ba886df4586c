/**
 * One raw suite item → a validated `SuiteItem`. Every problem is reported as `items[i].field: problem`, and all
 * of an item's problems are collected before giving up, so a suite author fixes a file in one pass.
 */
import { z } from 'zod';
import { compileExpression, type Expression } from './expression.js';
import { letterOf, type ItemParts } from './render.js';
import { GraderObject, type GraderSpec, type Message, type RawItem, type RawSuite, type NumericVarSpec } from './suite-schema.js';
import type { Lang, SuiteItem, TemplateSpec, VarDomain } from './suite-types.js';
import { decimals, formatNumber, renderTemplate, roundNoise, templateSlots } from './template.js';

export interface ItemContext {
  suite: string;
  suiteRaw: Pick<RawSuite, 'lang' | 'system' | 'grader'>;
  at: string;
  problems: string[];
}

export function normalizeGraders(field: RawItem['grader']): GraderSpec[] {
  if (field === undefined) return [];
  const list = Array.isArray(field) ? field : [field];
  return list.map((g) => (typeof g === 'string' ? GraderObject.parse({ type: g }) : g));
}

export function buildItem(raw: RawItem, ctx: ItemContext): SuiteItem | null {
  const { at, problems } = ctx;
  const before = problems.length;
  const lang: Lang = raw.lang ?? ctx.suiteRaw.lang;
  const bodies = (['prompt', 'messages', 'question', 'template'] as const).filter((k) => raw[k] !== undefined);
  if (bodies.length !== 1) {
    problems.push(`${at}: needs exactly one of prompt, messages, question, template (got ${bodies.length ? bodies.join(', ') : 'none'})`);
    return null;
  }
  if (raw.choices && !raw.question) problems.push(`${at}.choices: only with question`);
  if (raw.question && !raw.choices) problems.push(`${at}.question: needs choices`);
  const template = raw.template ? buildTemplate(raw, ctx) : null;
  if (raw.template && !template) return null;
  if (!raw.template && (raw.vars || raw.answer || raw.conditions.length)) problems.push(`${at}: vars, conditions and answer belong to template items`);

  const system: Message[] = ctx.suiteRaw.system ? [{ role: 'system', content: ctx.suiteRaw.system }] : [];
  let parts: ItemParts;
  if (raw.messages) {
    const last = raw.messages.map((m) => m.role).lastIndexOf('user');
    if (last < 0) {
      problems.push(`${at}.messages: needs a user message`);
      return null;
    }
    const ownSystem = raw.messages.some((m) => m.role === 'system' || m.role === 'developer');
    parts = { prefix: [...(ownSystem ? [] : system), ...raw.messages.slice(0, last)], stem: raw.messages[last]!.content, choices: null, choiceStyle: 'dot', suffix: raw.messages.slice(last + 1) };
  } else {
    const stem = raw.prompt ?? raw.question ?? (template ? renderOriginal(template, raw) : '');
    parts = { prefix: system, stem, choices: raw.choices ?? null, choiceStyle: 'dot', suffix: [] };
  }

  const graders = normalizeGraders(raw.grader ?? ctx.suiteRaw.grader ?? (raw.choices ? 'choice' : raw.template && raw.answer ? 'number' : 'exact'));
  let expected = raw.expected;
  if (template?.answer) {
    const computed = safeEvaluate(template.answer, originalScope(template));
    if (computed === null) problems.push(`${at}.answer: does not evaluate to a finite number with the original values`);
    else if (expected !== undefined && !(typeof expected === 'number' && Math.abs(expected - computed) < 1e-9)) problems.push(`${at}.expected: ${String(expected)} differs from the answer expression (${computed})`);
    else expected = computed;
  }
  if (raw.choices && typeof expected === 'string') expected = expected.trim().toUpperCase();
  checkExpected(graders, expected, raw, at, problems);
  for (const [slot, e] of Object.entries(raw.entities ?? {})) {
    if (raw.template) {
      if (!templateSlots(raw.template).includes(slot)) problems.push(`${at}.entities.${slot}: the template has no {{${slot}}} slot`);
    } else if (!parts.stem.includes(e.value) && !(parts.choices ?? []).some((c) => c.includes(e.value))) {
      problems.push(`${at}.entities.${slot}: "${e.value}" does not occur in the item text`);
    }
  }
  if (problems.length > before) return null;
  return { id: raw.id, suite: ctx.suite, lang, tags: raw.tags, parts, expected, graders, passThreshold: raw.pass_threshold ?? null, template, entities: raw.entities ?? {}, authored: raw.twins };
}

function buildTemplate(raw: RawItem, ctx: ItemContext): TemplateSpec | null {
  const { at, problems } = ctx;
  const before = problems.length;
  const vars: Record<string, VarDomain> = {};
  for (const [name, spec] of Object.entries(raw.vars ?? {})) {
    const d = domainOf(spec, `${at}.vars.${name}`, problems);
    if (d) vars[name] = d;
  }
  const entities = raw.entities ?? {};
  for (const slot of templateSlots(raw.template!)) {
    if (!(slot in vars) && !(slot in entities)) problems.push(`${at}.template: {{${slot}}} is neither a var nor an entity`);
  }
  for (const name of Object.keys(vars)) if (name in entities) problems.push(`${at}.vars.${name}: also an entity`);
  const compile = (src: string, where: string): Expression | null => {
    try {
      const e = compileExpression(src);
      for (const v of e.variables) if (!(v in vars)) problems.push(`${where}: unknown variable "${v}"`);
      return e;
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      return null;
    }
  };
  const conditions = raw.conditions.map((c, i) => compile(c, `${at}.conditions[${i}]`));
  const answer = raw.answer ? compile(raw.answer, `${at}.answer`) : null;
  if (problems.length > before) return null;
  const spec: TemplateSpec = { text: raw.template!, vars, conditions: conditions as Expression[], answer };
  const scope = originalScope(spec);
  conditions.forEach((c, i) => {
    if (safeEvaluate(c!, scope) === 0) problems.push(`${at}.conditions[${i}]: the original values do not satisfy "${c!.source}"`);
  });
  return spec;
}

function domainOf(spec: NumericVarSpec, at: string, problems: string[]): VarDomain | null {
  if (typeof spec === 'number') return { value: spec, fixed: true, min: null, max: null, step: 1, choices: null };
  const step = spec.step ?? (Number.isInteger(spec.value) ? 1 : 10 ** -decimals(spec.value));
  if (spec.choices) {
    if (spec.min !== undefined || spec.max !== undefined) problems.push(`${at}: choices or min/max, not both`);
    if (!spec.choices.includes(spec.value)) problems.push(`${at}.choices: must include the value ${spec.value}`);
    return { value: spec.value, fixed: false, min: null, max: null, step, choices: spec.choices };
  }
  if (spec.min === undefined || spec.max === undefined) {
    problems.push(`${at}: needs min and max (or choices), or a plain number to keep it fixed`);
    return null;
  }
  if (!(spec.min <= spec.value && spec.value <= spec.max)) problems.push(`${at}: value ${spec.value} outside ${spec.min}..${spec.max}`);
  return { value: spec.value, fixed: false, min: spec.min, max: spec.max, step, choices: null };
}

export function originalScope(t: TemplateSpec): Record<string, number> {
  return Object.fromEntries(Object.entries(t.vars).map(([k, d]) => [k, d.value]));
}

function renderOriginal(t: TemplateSpec, raw: RawItem): string {
  const values: Record<string, string> = {};
  for (const [k, d] of Object.entries(t.vars)) values[k] = formatNumber(d.value);
  for (const [k, e] of Object.entries(raw.entities ?? {})) values[k] = e.value;
  return renderTemplate(t.text, values);
}

/** An expression's value, or null when it throws or is not finite (a division by zero in a draw). */
export function safeEvaluate(e: Expression, scope: Record<string, number>): number | null {
  try {
    const v = e.evaluate(scope);
    return Number.isFinite(v) ? roundNoise(v) : null;
  } catch {
    return null;
  }
}

function checkExpected(graders: GraderSpec[], expected: unknown, raw: RawItem, at: string, problems: string[]): void {
  graders.forEach((g, i) => {
    const where = graders.length > 1 ? `${at}.grader[${i}]` : `${at}.grader`;
    switch (g.type) {
      case 'choice':
        if (!raw.choices) problems.push(`${where}: choice needs question and choices`);
        else if (typeof expected !== 'string' || !/^[A-Z]$/.test(expected) || expected.charCodeAt(0) - 65 >= raw.choices.length) {
          problems.push(`${at}.expected: must be a letter A–${letterOf(raw.choices.length - 1)}`);
        }
        return;
      case 'number':
        if (!(typeof expected === 'number' || (typeof expected === 'string' && Number.isFinite(Number(expected.trim()))))) problems.push(`${at}.expected: the number grader needs a number`);
        return;
      case 'exact':
      case 'starts-with':
        if (g.value === undefined && typeof expected !== 'string' && typeof expected !== 'number') problems.push(`${at}.expected: ${g.type} needs a text (or the grader's value)`);
        return;
      case 'contains':
        if (g.value === undefined && !isTextOrList(expected)) problems.push(`${at}.expected: contains needs a text or a list of texts (or the grader's value)`);
        return;
      case 'regex': {
        const pattern = g.pattern ?? (typeof expected === 'string' ? expected : undefined);
        if (pattern === undefined) problems.push(`${where}: regex needs a pattern (or a text expected)`);
        else {
          try {
            new RegExp(pattern, g.flags);
          } catch (err) {
            problems.push(`${where}: invalid regular expression: ${(err as Error).message}`);
          }
        }
        return;
      }
      case 'json-schema':
        if (g.schema) {
          try {
            z.fromJSONSchema(g.schema as Parameters<typeof z.fromJSONSchema>[0]);
          } catch (err) {
            problems.push(`${where}.schema: ${(err as Error).message.split('\n')[0]}`);
          }
        }
        return;
      case 'judge':
        return;
      default: {
        const never: never = g;
        problems.push(`${where}: unknown grader ${String(never)}`);
      }
    }
  });
}

function isTextOrList(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
}

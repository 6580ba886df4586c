/**
 * promptfoo compatibility: a promptfoo config (prompts × tests with assertions) becomes a Saima suite, so a team
 * brings its suites as they are. Supported: string and `file://` prompts (text, `---`-separated, or a JSON chat),
 * inline or `file://` YAML/JSON tests, `defaultTest`, `{{var}}` substitution, and the assertion types below with
 * their `not-` forms, graded as promptfoo documents them, with `weight`. `providers` are not used: the contenders come
 * from `--contenders`. Every other key is an error naming its path, never a silently different eval.
 */
import { dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { EvalError } from './eval-error.js';
import { buildSuite } from './suite-build.js';
import { parseYamlText, readText, zodProblems } from './suite-io.js';
import type { Suite } from './suite-types.js';

// Strict objects: a key Saima does not honour is an error naming its path, never a silently different eval.
const Assertion = z.object({ type: z.string(), value: z.unknown().optional(), threshold: z.number().optional(), weight: z.number().min(0).optional() }).strict();
const Vars = z.record(z.string(), z.unknown());
// `options` reach here only empty: every option key is refused by name first (refuseKeys).
const Options = z.object({}).strict().optional();
const TestCase = z.object({ description: z.string().optional(), vars: Vars.optional(), assert: z.array(Assertion).optional(), threshold: z.number().min(0).max(1).optional(), options: Options }).strict();
const PromptEntry = z.union([
  z.string(),
  z.object({ raw: z.string(), id: z.string().optional(), label: z.string().optional() }).strict(),
  z.object({ id: z.string().startsWith('file://', 'a prompt object without raw needs id: file://…'), label: z.string().optional() }).strict(),
]);
const PromptfooConfig = z
  .object({
    description: z.string().optional(),
    prompts: z.union([PromptEntry, z.array(PromptEntry).min(1)]),
    providers: z.unknown().optional(),
    defaultTest: z.object({ vars: Vars.optional(), assert: z.array(Assertion).optional(), threshold: z.number().min(0).max(1).optional(), options: Options }).strict().optional(),
    tests: z.union([z.string(), z.array(z.union([z.string(), TestCase]))]),
  })
  .strict();

/** Keys promptfoo documents that Saima refuses, with the reason given at their path. */
const REFUSED_TEST_KEYS: Record<string, string> = {
  options: 'not supported',
  provider: 'not supported: the contenders come from --contenders',
  metadata: 'not supported',
};
const REFUSED_OPTIONS: Record<string, string> = {
  transform: 'not supported: Saima does not run JavaScript transforms of the output',
  provider: 'not supported: the judge of llm-rubric is the run\'s --judge contender',
  rubricPrompt: 'not supported: the judge prompt is Saima\'s rubric prompt',
};
const REFUSED_ASSERT_KEYS: Record<string, string> = {
  transform: 'not supported: Saima does not run JavaScript transforms of the output',
  provider: 'not supported: the judge of llm-rubric is the run\'s --judge contender',
  metric: 'not supported: Saima reports one score per item, not named metrics',
  rubricPrompt: 'not supported: the judge prompt is Saima\'s rubric prompt',
};

/** Throws at the first refused key of a test (or defaultTest) and its options and asserts, naming its path. */
function refuseKeys(test: unknown, at: string, file: string): void {
  if (test === null || typeof test !== 'object' || Array.isArray(test)) return;
  const t = test as Record<string, unknown>;
  if (t.options !== undefined && t.options !== null && typeof t.options === 'object') {
    for (const [k, why] of Object.entries(REFUSED_OPTIONS)) if (k in t.options) throw new EvalError(`${file}: ${at}.options.${k}: ${why}`);
    for (const k of Object.keys(t.options)) throw new EvalError(`${file}: ${at}.options.${k}: not supported`);
  }
  for (const [k, why] of Object.entries(REFUSED_TEST_KEYS)) if (k !== 'options' && k in t) throw new EvalError(`${file}: ${at}.${k}: ${why}`);
  if (Array.isArray(t.assert)) {
    t.assert.forEach((a, j) => {
      if (a === null || typeof a !== 'object') return;
      for (const [k, why] of Object.entries(REFUSED_ASSERT_KEYS)) if (k in a) throw new EvalError(`${file}: ${at}.assert[${j}].${k}: ${why}`);
    });
  }
}

/** Top-level keys of a promptfoo config that Saima refuses (it evaluates; it does not write, share or redteam). */
function refuseTopLevel(doc: Record<string, unknown>, file: string): void {
  const known = new Set(['description', 'prompts', 'providers', 'defaultTest', 'tests']);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw new EvalError(`${file}: ${k}: not supported (Saima reads description, prompts, providers, defaultTest and tests)`);
}

type Assertion = z.infer<typeof Assertion>;
type Chat = Array<{ role: string; content: string }>;
interface Prompt {
  label: string;
  chat: Chat | null;
  text: string;
}

export const PROMPTFOO_ASSERTIONS = ['equals', 'contains', 'icontains', 'contains-any', 'contains-all', 'icontains-any', 'icontains-all', 'regex', 'starts-with', 'is-json', 'llm-rubric'] as const;

/**
 * promptfoo assertion types Saima refuses, each with the reason (kept short: it ends the error line). Any other
 * type is refused too; these are the documented ones, listed in the conformance table of docs/evals.md.
 */
export const PROMPTFOO_REFUSED: Readonly<Record<string, string>> = {
  'contains-json': 'promptfoo passes when any JSON value in the output matches; Saima grades one',
  'contains-html': 'no HTML grader', 'is-html': 'no HTML grader', 'contains-sql': 'no SQL grader', 'is-sql': 'no SQL grader',
  'contains-xml': 'no XML grader', 'is-xml': 'no XML grader', 'ends-with': 'not implemented',
  javascript: 'Saima does not run JavaScript from a suite', python: 'Saima does not run Python from a suite', ruby: 'Saima does not run Ruby from a suite',
  webhook: 'Saima does not call out to grade', similar: 'needs an embedding provider', levenshtein: 'not implemented',
  'rouge-n': 'not implemented', bleu: 'not implemented', gleu: 'not implemented', meteor: 'not implemented', 'f-score': 'not implemented',
  perplexity: 'needs token log-probabilities', 'perplexity-score': 'needs token log-probabilities', cost: 'not a property of the answer text',
  latency: 'not a property of the answer text', 'finish-reason': 'not a property of the answer text',
  'is-valid-openai-function-call': 'tool calls are not graded', 'is-valid-openai-tools-call': 'tool calls are not graded',
  'is-valid-function-call': 'tool calls are not graded', 'tool-call-f1': 'tool calls are not graded', classifier: 'needs a classifier provider',
  moderation: 'needs a moderation provider', 'g-eval': 'use llm-rubric', factuality: 'use llm-rubric', 'model-graded-closedqa': 'use llm-rubric',
  'model-graded-factuality': 'use llm-rubric', 'answer-relevance': 'use llm-rubric', 'context-faithfulness': 'no retrieval context',
  'context-recall': 'no retrieval context', 'context-relevance': 'no retrieval context', 'select-best': 'compares outputs across prompts',
  'max-score': 'compares outputs across prompts', 'assert-set': 'nested assertion sets are not supported', 'is-refusal': 'not implemented',
};

export function isPromptfooConfig(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && 'prompts' in doc && 'tests' in doc && !('items' in doc);
}

export function suiteFromPromptfoo(doc: unknown, file: string, text: string): Suite {
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>;
    refuseTopLevel(d, file);
    refuseKeys(d.defaultTest, 'defaultTest', file);
    if (Array.isArray(d.tests)) d.tests.forEach((t, i) => refuseKeys(t, `tests[${i}]`, file));
  }
  const parsed = PromptfooConfig.safeParse(doc);
  if (!parsed.success) throw new EvalError(`${file}: ${zodProblems(parsed.error).join('; ')}`);
  const cfg = parsed.data;
  const dir = dirname(file);
  const prompts = (Array.isArray(cfg.prompts) ? cfg.prompts : [cfg.prompts]).flatMap((p, i) => loadPrompts(p, dir, `prompts[${i}]`, file));
  const tests = loadTests(cfg.tests, dir, file);
  const items: unknown[] = [];
  prompts.forEach((prompt, p) => {
    tests.forEach(({ test, at }, t) => {
      const vars = { ...cfg.defaultTest?.vars, ...test.vars };
      for (const [k, v] of Object.entries(vars)) {
        if (v !== null && typeof v === 'object') throw new EvalError(`${file}: ${at}.vars.${k}: only text and number vars are supported`);
      }
      // Each assertion is named where it is written: defaultTest's under defaultTest, the test's own under the test.
      const asserts = [
        ...(cfg.defaultTest?.assert ?? []).map((a, j) => ({ a, where: `defaultTest.assert[${j}]` })),
        ...(test.assert ?? []).map((a, j) => ({ a, where: `${at}.assert[${j}]` })),
      ];
      if (asserts.length === 0) throw new EvalError(`${file}: ${at}.assert: a test needs at least one assertion`);
      const grader = asserts.map(({ a, where }) => graderFor(a, vars, where, file));
      const id = `p${p + 1}-t${t + 1}`;
      const tags = [`prompt:${prompt.label}`];
      const body = prompt.chat
        ? { messages: prompt.chat.map((m) => ({ role: m.role, content: substitute(m.content, vars, file, at) })) }
        : { prompt: substitute(prompt.text, vars, file, at) };
      // promptfoo's test threshold: the test passes at this weighted score, whatever single assertions say.
      const threshold = test.threshold ?? cfg.defaultTest?.threshold;
      items.push({ id, tags, ...body, grader, ...(threshold !== undefined ? { pass_threshold: threshold } : {}) });
    });
  });
  return buildSuite({ name: undefined, description: cfg.description, items: items.map(stripUndefined) }, file, text, 'promptfoo');
}

function graderFor(a: Assertion, vars: Record<string, unknown>, at: string, file: string): Record<string, unknown> {
  const negate = a.type.startsWith('not-');
  const type = negate ? a.type.slice(4) : a.type;
  if (a.threshold !== undefined && type !== 'llm-rubric') throw new EvalError(`${file}: ${at}.threshold: not supported for ${a.type} (a threshold is honoured for llm-rubric only)`);
  const weight = a.weight === undefined ? {} : { weight: a.weight };
  const value = typeof a.value === 'string' ? substitute(a.value, vars, file, at) : a.value;
  const text = (): string => {
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new EvalError(`${file}: ${at}.value: ${a.type} needs a text value`);
  };
  const list = (): string[] => {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) return value.map(String);
    if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
    throw new EvalError(`${file}: ${at}.value: ${a.type} needs a list of texts`);
  };
  // Each maps to a Saima grader set to promptfoo's documented semantics: equals compares byte for byte, starts-with
  // does not trim, is-json parses the whole output.
  switch (type) {
    case 'equals':
      if (value !== null && typeof value === 'object') throw new EvalError(`${file}: ${at}.value: equals with an object (JSON deep equality) is not supported`);
      return { type: 'exact', value: text(), squash_whitespace: false, negate, ...weight };
    case 'contains':
    case 'icontains':
      if (text() === '') throw new EvalError(`${file}: ${at}.value: ${a.type} needs a non-empty text`);
      return { type: 'contains', value: text(), ignore_case: type === 'icontains', negate, ...weight };
    case 'contains-any':
    case 'contains-all':
    case 'icontains-any':
    case 'icontains-all':
      return { type: 'contains', value: list(), ignore_case: type.startsWith('i'), mode: type.endsWith('any') ? 'any' : 'all', negate, ...weight };
    case 'regex':
      return { type: 'regex', pattern: text(), negate, ...weight };
    case 'starts-with':
      return { type: 'starts-with', value: text(), trim: false, negate, ...weight };
    case 'is-json': {
      // promptfoo reads a text value as a YAML (or JSON) schema.
      const schema = typeof value === 'string' ? parseYamlText(value, `${file}: ${at}.value`) : value;
      if (schema !== undefined && (schema === null || typeof schema !== 'object' || Array.isArray(schema))) throw new EvalError(`${file}: ${at}.value: is-json takes a JSON Schema object`);
      return { type: 'json-schema', ...(schema ? { schema } : {}), whole: true, negate, ...weight };
    }
    case 'llm-rubric':
      return { type: 'judge', rubric: text(), ...(a.threshold !== undefined ? { threshold: a.threshold } : {}), negate, ...weight };
    default: {
      const why = PROMPTFOO_REFUSED[type];
      throw new EvalError(`${file}: ${at}.type: unsupported promptfoo assertion type "${a.type}"${why ? ` (${why})` : ''} (supported: ${PROMPTFOO_ASSERTIONS.join(', ')} and their not- forms)`);
    }
  }
}

function loadPrompts(entry: z.infer<typeof PromptEntry>, dir: string, at: string, file: string): Prompt[] {
  // `{raw, label}`, or promptfoo's `{id: file://…, label}` (the id is then the prompt's file).
  const raw = typeof entry === 'string' ? entry : 'raw' in entry ? entry.raw : entry.id;
  const label = typeof entry === 'string' ? null : (entry.label ?? entry.id ?? null);
  if (!raw.startsWith('file://')) return [{ label: label ?? at, chat: null, text: raw }];
  const path = resolve(dir, raw.slice('file://'.length));
  const content = readText(path, 'prompt');
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    const chat = z.array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.string() })).min(1).safeParse(JSON.parse(content));
    if (!chat.success) throw new EvalError(`${file}: ${at}: ${path} is not a JSON chat (an array of {role, content})`);
    return [{ label: label ?? raw, chat: chat.data, text: '' }];
  }
  if (ext !== '.txt' && ext !== '.md') throw new EvalError(`${file}: ${at}: prompt files of type ${ext || '(none)'} are not supported (.txt, .md, .json)`);
  return content
    .split(/^---$/m)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t, i, all) => ({ label: label ?? (all.length > 1 ? `${raw}#${i + 1}` : raw), chat: null, text: t }));
}

function loadTests(tests: z.infer<typeof PromptfooConfig>['tests'], dir: string, file: string): Array<{ test: z.infer<typeof TestCase>; at: string }> {
  const entries = typeof tests === 'string' ? [tests] : tests;
  return entries.flatMap((entry, i) => {
    if (typeof entry !== 'string') return [{ test: entry, at: `tests[${i}]` }];
    if (!entry.startsWith('file://')) throw new EvalError(`${file}: tests[${i}]: expected a test or a file:// path`);
    const path = resolve(dir, entry.slice('file://'.length));
    const ext = extname(path).toLowerCase();
    if (!['.yaml', '.yml', '.json'].includes(ext)) throw new EvalError(`${file}: tests[${i}]: test files of type ${ext || '(none)'} are not supported (.yaml, .yml, .json)`);
    const doc = parseYamlText(readText(path, 'tests'), path);
    if (Array.isArray(doc)) doc.forEach((t, j) => refuseKeys(t, `${entry}[${j}]`, file));
    const list = z.array(TestCase).safeParse(doc);
    if (!list.success) throw new EvalError(`${path}: ${zodProblems(list.error).join('; ')}`);
    return list.data.map((test, j) => ({ test, at: `${entry}[${j}]` }));
  });
}

/** promptfoo prompts are Nunjucks; plain `{{ var }}` substitution covers what suites use, anything else is refused. */
function substitute(template: string, vars: Record<string, unknown>, file: string, at: string): string {
  if (/\{%|\{\{[^}]*\|/.test(template)) throw new EvalError(`${file}: ${at}: Nunjucks tags and filters are not supported, only {{ var }}`);
  return template.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new EvalError(`${file}: ${at}: the prompt uses {{${name}}} but the test has no such var`);
    return String(vars[name]);
  });
}

function stripUndefined(o: unknown): unknown {
  return JSON.parse(JSON.stringify(o)) as unknown;
}

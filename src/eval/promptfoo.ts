/**
 * promptfoo compatibility: a promptfoo config (prompts × tests with assertions) becomes a Saima suite, so a team
 * brings its suites as they are. Supported: string and `file://` prompts (text, `---`-separated, or a JSON chat),
 * inline or `file://` YAML/JSON tests, `defaultTest`, `{{var}}` substitution, and the assertion types below with
 * their `not-` forms. `providers` are not used: the contenders come from `--contenders`. Anything else is an error
 * naming what is not supported, never a silently different eval.
 */
import { dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { EvalError } from './eval-error.js';
import { buildSuite } from './suite-build.js';
import { parseYamlText, readText, zodProblems } from './suite-io.js';
import type { Suite } from './suite-types.js';

const Assertion = z.object({ type: z.string(), value: z.unknown().optional(), threshold: z.number().optional(), weight: z.number().optional(), metric: z.string().optional(), provider: z.unknown().optional(), transform: z.unknown().optional() }).loose();
const Vars = z.record(z.string(), z.unknown());
const TestCase = z.object({ description: z.string().optional(), vars: Vars.optional(), assert: z.array(Assertion).optional(), threshold: z.number().optional(), options: z.unknown().optional() }).loose();
const PromptEntry = z.union([z.string(), z.object({ raw: z.string(), id: z.string().optional(), label: z.string().optional() }).loose()]);
const PromptfooConfig = z
  .object({
    description: z.string().optional(),
    prompts: z.union([PromptEntry, z.array(PromptEntry).min(1)]),
    providers: z.unknown().optional(),
    defaultTest: z.object({ vars: Vars.optional(), assert: z.array(Assertion).optional() }).loose().optional(),
    tests: z.union([z.string(), z.array(z.union([z.string(), TestCase]))]),
  })
  .loose();

type Assertion = z.infer<typeof Assertion>;
type Chat = Array<{ role: string; content: string }>;
interface Prompt {
  label: string;
  chat: Chat | null;
  text: string;
}

export const PROMPTFOO_ASSERTIONS = ['equals', 'contains', 'icontains', 'contains-any', 'contains-all', 'icontains-any', 'icontains-all', 'regex', 'starts-with', 'is-json', 'llm-rubric'] as const;

export function isPromptfooConfig(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && 'prompts' in doc && 'tests' in doc && !('items' in doc);
}

export function suiteFromPromptfoo(doc: unknown, file: string, text: string): Suite {
  const parsed = PromptfooConfig.safeParse(doc);
  if (!parsed.success) throw new EvalError(`${file}: ${zodProblems(parsed.error).join('; ')}`);
  const cfg = parsed.data;
  const dir = dirname(file);
  const prompts = (Array.isArray(cfg.prompts) ? cfg.prompts : [cfg.prompts]).flatMap((p, i) => loadPrompts(p, dir, `prompts[${i}]`, file));
  const tests = loadTests(cfg.tests, dir, file);
  const items: unknown[] = [];
  prompts.forEach((prompt, p) => {
    tests.forEach(({ test, at }, t) => {
      if (test.threshold !== undefined) throw new EvalError(`${file}: ${at}.threshold: not supported (a test passes when every assertion passes)`);
      const vars = { ...cfg.defaultTest?.vars, ...test.vars };
      for (const [k, v] of Object.entries(vars)) {
        if (v !== null && typeof v === 'object') throw new EvalError(`${file}: ${at}.vars.${k}: only text and number vars are supported`);
      }
      const asserts = [...(cfg.defaultTest?.assert ?? []), ...(test.assert ?? [])];
      if (asserts.length === 0) throw new EvalError(`${file}: ${at}.assert: a test needs at least one assertion`);
      const grader = asserts.map((a, j) => graderFor(a, vars, `${at}.assert[${j}]`, file));
      const id = `p${p + 1}-t${t + 1}`;
      const tags = [`prompt:${prompt.label}`];
      const body = prompt.chat
        ? { messages: prompt.chat.map((m) => ({ role: m.role, content: substitute(m.content, vars, file, at) })) }
        : { prompt: substitute(prompt.text, vars, file, at) };
      items.push({ id, tags, ...body, grader });
    });
  });
  return buildSuite({ name: undefined, description: cfg.description, items: items.map(stripUndefined) }, file, text, 'promptfoo');
}

function graderFor(a: Assertion, vars: Record<string, unknown>, at: string, file: string): Record<string, unknown> {
  if (a.transform !== undefined) throw new EvalError(`${file}: ${at}.transform: not supported`);
  const negate = a.type.startsWith('not-');
  const type = negate ? a.type.slice(4) : a.type;
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
  switch (type) {
    case 'equals':
      return { type: 'exact', value: text(), negate };
    case 'contains':
    case 'icontains':
      return { type: 'contains', value: text(), ignore_case: type === 'icontains', negate };
    case 'contains-any':
    case 'contains-all':
    case 'icontains-any':
    case 'icontains-all':
      return { type: 'contains', value: list(), ignore_case: type.startsWith('i'), mode: type.endsWith('any') ? 'any' : 'all', negate };
    case 'regex':
      return { type: 'regex', pattern: text(), negate };
    case 'starts-with':
      return { type: 'starts-with', value: text(), negate };
    case 'is-json':
      if (value !== undefined && (value === null || typeof value !== 'object' || Array.isArray(value))) throw new EvalError(`${file}: ${at}.value: is-json takes a JSON Schema object`);
      return { type: 'json-schema', ...(value ? { schema: value } : {}), negate };
    case 'llm-rubric':
      return { type: 'judge', rubric: text(), ...(a.threshold !== undefined ? { threshold: a.threshold } : {}), negate };
    default:
      throw new EvalError(`${file}: ${at}.type: unsupported promptfoo assertion type "${a.type}" (supported: ${PROMPTFOO_ASSERTIONS.join(', ')} and their not- forms)`);
  }
}

function loadPrompts(entry: z.infer<typeof PromptEntry>, dir: string, at: string, file: string): Prompt[] {
  const raw = typeof entry === 'string' ? entry : entry.raw;
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
    const list = z.array(TestCase).safeParse(parseYamlText(readText(path, 'tests'), path));
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

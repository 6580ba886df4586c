/**
 * promptfoo conformance: for every assertion type, what promptfoo's documentation says it does, checked against
 * Saima. Supported types run as one promptfoo config through `saima eval run` against a fake upstream that answers
 * each case with the case's output, and each case's verdict must be promptfoo's — including the outputs promptfoo
 * fails (a trailing space for `equals`, JSON inside prose for `is-json`, a leading space for `starts-with`). Refused
 * types must be refused by name at their path. The cases come from promptfoo's documentation of each assertion
 * (configuration/expected-outputs), not from Saima's graders. The table in docs/evals.md is generated from them:
 * run with SAIMA_WRITE_CONFORMANCE=1 to rewrite it; otherwise it must match.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '../../src/config/load.js';
import { PROMPTFOO_ASSERTIONS, PROMPTFOO_REFUSED } from '../../src/eval/promptfoo.js';
import type { EvalReport } from '../../src/eval/report.js';
import { loadRunResults } from '../../src/eval/run-results.js';
import { loadSuite } from '../../src/eval/suite.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { startEvalUpstream } from '../support/fake-eval-upstreams.js';

interface Case {
  type: string;
  value?: unknown;
  threshold?: number;
  output: string;
  /** promptfoo's verdict for this output. */
  pass: boolean;
}

/** What promptfoo documents for each supported type, as a few outputs it passes and fails. */
const CASES: Case[] = [
  { type: 'equals', value: 'Le chat', output: 'Le chat', pass: true },
  { type: 'equals', value: 'Le chat', output: 'Le chat ', pass: false },
  { type: 'equals', value: 'Le chat', output: 'Le  chat', pass: false },
  { type: 'equals', value: 'Le chat', output: 'le chat', pass: false },
  { type: 'equals', value: 42, output: '42', pass: true },
  { type: 'not-equals', value: 'Le chat', output: 'Le chien', pass: true },
  { type: 'contains', value: 'Bonjour', output: 'Bonjour tout le monde', pass: true },
  { type: 'contains', value: 'bonjour', output: 'Bonjour tout le monde', pass: false },
  { type: 'not-contains', value: 'as an AI', output: 'As an AI, no', pass: true },
  { type: 'icontains', value: 'BONJOUR', output: 'bonjour', pass: true },
  { type: 'icontains', value: 'CHAT', output: 'un chien', pass: false },
  { type: 'not-icontains', value: 'as an ai', output: 'As an AI, no', pass: false },
  { type: 'contains-any', value: ['chat', 'chien'], output: 'un chien', pass: true },
  { type: 'contains-any', value: 'chat, chien', output: 'un chien', pass: true },
  { type: 'contains-any', value: ['chat', 'chien'], output: 'un oiseau', pass: false },
  { type: 'contains-all', value: ['chat', 'chien'], output: 'un chat et un chien', pass: true },
  { type: 'contains-all', value: ['chat', 'chien'], output: 'un chat', pass: false },
  { type: 'icontains-any', value: ['CHAT', 'CHIEN'], output: 'Un Chien', pass: true },
  { type: 'icontains-any', value: ['CHAT', 'CHIEN'], output: 'un oiseau', pass: false },
  { type: 'icontains-all', value: ['CHAT', 'CHIEN'], output: 'Un chat, un CHIEN', pass: true },
  { type: 'icontains-all', value: ['CHAT', 'CHIEN'], output: 'Un Chat', pass: false },
  { type: 'regex', value: '^\\d{3}$', output: '123', pass: true },
  { type: 'regex', value: '^\\d{3}$', output: '1234', pass: false },
  { type: 'regex', value: '[a-z]+', output: 'ABC', pass: false },
  { type: 'not-regex', value: '\\d', output: 'no digits', pass: true },
  { type: 'starts-with', value: 'Bonjour', output: 'Bonjour le monde', pass: true },
  { type: 'starts-with', value: 'Bonjour', output: ' Bonjour le monde', pass: false },
  { type: 'is-json', output: '{"a": 1}', pass: true },
  { type: 'is-json', output: '  {"a": 1}\n', pass: true },
  { type: 'is-json', output: 'Here it is: {"a": 1}', pass: false },
  { type: 'is-json', output: '```json\n{"a": 1}\n```', pass: false },
  { type: 'is-json', value: { type: 'object', required: ['a'] }, output: '{"b": 1}', pass: false },
  { type: 'is-json', value: { type: 'object', properties: { a: { type: 'number' } } }, output: '{"a": "1"}', pass: false },
  { type: 'is-json', value: 'type: object\nrequired: [a]', output: '{"a": 1}', pass: true },
  { type: 'not-is-json', output: 'plain text', pass: true },
  { type: 'llm-rubric', value: 'A polite French thank-you', output: 'Merci beaucoup', pass: true },
  { type: 'llm-rubric', value: 'A polite French thank-you', output: 'Thanks', pass: false },
  { type: 'llm-rubric', value: 'A polite French thank-you', threshold: 0.95, output: 'Merci beaucoup', pass: false },
];

/**
 * How promptfoo combines a test's assertions: the score is the weighted mean (weight default 1); the test passes when
 * every assertion passes, whatever its weight — unless the test has a threshold, when the score decides.
 */
interface TestCase {
  asserts: Array<{ type: string; value: string; weight?: number }>;
  threshold?: number;
  output: string;
  pass: boolean;
}
const half = [{ type: 'contains', value: 'chat' }, { type: 'contains', value: 'chien' }];
const weighted = [{ type: 'contains', value: 'chat', weight: 3 }, { type: 'contains', value: 'chien', weight: 1 }];
const TEST_CASES: TestCase[] = [
  { asserts: half, output: 'un chat', pass: false },
  { asserts: half, threshold: 0.5, output: 'un chat', pass: true },
  { asserts: half, threshold: 0.6, output: 'un chat', pass: false },
  { asserts: weighted, threshold: 0.7, output: 'un chat', pass: true },
  { asserts: weighted, threshold: 0.8, output: 'un chat', pass: false },
  { asserts: [{ type: 'contains', value: 'chat' }, { type: 'contains', value: 'chien', weight: 0 }], output: 'un chat', pass: false },
  { asserts: half, threshold: 0, output: 'un oiseau', pass: true },
];

/** One line per assertion type for docs/evals.md. */
const SEMANTICS: Record<string, string> = {
  equals: 'the whole output equals the value exactly: case, spaces and newlines count (a number value compares as text)',
  contains: 'the output contains the value, case-sensitive',
  icontains: 'the output contains the value, ignoring case',
  'contains-any': 'the output contains one of a list (or a comma-separated text)',
  'contains-all': 'the output contains every item of the list',
  'icontains-any': 'contains-any, ignoring case',
  'icontains-all': 'contains-all, ignoring case',
  regex: 'the pattern (JavaScript, no flags) matches somewhere in the output',
  'starts-with': 'the output starts with the value; leading spaces are not trimmed',
  'is-json': 'the whole output parses as JSON (prose or a fenced block around it fails), and matches the JSON Schema value (an object, or YAML/JSON text) when given',
  'llm-rubric': 'the judge (`--judge`) grades the output by the rubric; passes at SCORE/10 ≥ threshold (0.5 unless given)',
};

function table(): string {
  const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const lines = [row(['assertion type', 'Saima', 'what passes (promptfoo semantics, checked by a case per row)']), row(['---', '---', '---'])];
  for (const type of PROMPTFOO_ASSERTIONS) {
    const cases = CASES.filter((c) => c.type === type || c.type === `not-${type}`).length;
    lines.push(row([`\`${type}\`, \`not-${type}\``, 'supported', `${SEMANTICS[type]} (${cases} cases)`]));
  }
  for (const [type, why] of Object.entries(PROMPTFOO_REFUSED).sort(([a], [b]) => a.localeCompare(b))) lines.push(row([`\`${type}\``, 'refused', why]));
  return `${lines.join('\n')}\n`;
}

const DOCS = fileURLToPath(new URL('../../docs/evals.md', import.meta.url));
const START = '<!-- promptfoo-conformance: generated by test/eval/promptfoo-conformance.test.ts -->\n';
const END = '<!-- end promptfoo-conformance -->';

test('docs/evals.md carries the conformance table these cases generate', () => {
  const docs = readFileSync(DOCS, 'utf8');
  const from = docs.indexOf(START);
  const to = docs.indexOf(END);
  assert.ok(from >= 0 && to > from, 'docs/evals.md has the conformance markers');
  const current = docs.slice(from + START.length, to);
  if (process.env.SAIMA_WRITE_CONFORMANCE === '1') writeFileSync(DOCS, docs.slice(0, from + START.length) + table() + docs.slice(to));
  else assert.equal(current, table(), 'run this test with SAIMA_WRITE_CONFORMANCE=1 to regenerate the table');
  for (const type of PROMPTFOO_ASSERTIONS) assert.ok(CASES.some((c) => c.type === type && !c.pass), `${type} has a case promptfoo fails`);
});

test('every supported assertion grades each case as promptfoo does; weights and test thresholds combine as promptfoo does', async (t) => {
  const outputs = [...CASES.map((c) => c.output), ...TEST_CASES.map((c) => c.output)];
  const model = await startEvalUpstream((q) => outputs[Number(/^case (\d+)$/.exec(q)![1])]!);
  const judge = await startEvalUpstream((q) => (/Answer to grade:\nMerci/.test(q) ? 'Polite and French.\nSCORE: 9' : 'Not French.\nSCORE: 1'));
  t.after(() => Promise.all([model.close(), judge.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'saima-conformance-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const tests = [
    ...CASES.map((c, n) => ({ vars: { n }, assert: [{ type: c.type, ...(c.value !== undefined ? { value: c.value } : {}), ...(c.threshold !== undefined ? { threshold: c.threshold } : {}) }] })),
    ...TEST_CASES.map((c, k) => ({ vars: { n: CASES.length + k }, assert: c.asserts, ...(c.threshold !== undefined ? { threshold: c.threshold } : {}) })),
  ];
  const suiteFile = join(dir, 'promptfooconfig.yaml');
  writeFileSync(suiteFile, JSON.stringify({ prompts: ['case {{n}}'], tests }));
  const c = (url: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model: 'm' });
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: c(model.url), judge: c(judge.url) } }));
  const run = await runCli(['eval', 'run', suiteFile, '--contenders', 'x', '--judge', 'judge', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as EvalReport;
  const store = await openStore(`sqlite:${join(dir, 's.db')}`);
  t.after(() => store.close());
  const results = await loadRunResults(store, loadConfigFile(cfg), report.run.id);
  const samples = results.samples.get('x')!;
  const suite = report.run.suites[0]!.name;
  const wrong: string[] = CASES.flatMap((cs, n) => {
    const s = samples.get(`${suite}/p1-t${n + 1}`)?.[0];
    const got = s?.status === 'pass' ? true : s?.status === 'fail' ? false : s?.status;
    return got === cs.pass ? [] : [`${cs.type} ${JSON.stringify(cs.value)} on ${JSON.stringify(cs.output)}: promptfoo ${cs.pass ? 'passes' : 'fails'}, Saima ${String(got)}`];
  });
  TEST_CASES.forEach((tc, k) => {
    const s = samples.get(`${suite}/p1-t${CASES.length + k + 1}`)?.[0];
    const got = s?.status === 'pass' ? true : s?.status === 'fail' ? false : s?.status;
    if (got !== tc.pass) wrong.push(`test ${JSON.stringify(tc.asserts)} threshold ${tc.threshold} on ${JSON.stringify(tc.output)}: promptfoo ${tc.pass ? 'passes' : 'fails'}, Saima ${String(got)}`);
  });
  assert.deepEqual(wrong, []);
});

test('every refused type is refused at its path, and every key is honoured or refused by name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-conformance-refused-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const load = (doc: unknown) => {
    const file = join(dir, 'promptfooconfig.yaml');
    writeFileSync(file, JSON.stringify(doc));
    return () => loadSuite(file);
  };
  const base = { prompts: ['Say {{x}}'], defaultTest: { assert: [{ type: 'not-icontains', value: 'as an AI' }] } };
  for (const type of [...Object.keys(PROMPTFOO_REFUSED), 'not-javascript', 'no-such-type']) {
    assert.throws(load({ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi' }, { type, value: 'x' }] }] }), new RegExp(`tests\\[0\\]\\.assert\\[1\\]\\.type: unsupported promptfoo assertion type "${type}"`), type);
  }
  const refusedAt: Array<[unknown, RegExp]> = [
    [{ ...base, tests: [{ vars: { x: 'hi' }, options: { transform: 'output.trim()' }, assert: [{ type: 'contains', value: 'hi' }] }] }, /tests\[0\]\.options\.transform: not supported/],
    [{ ...base, defaultTest: { ...base.defaultTest, options: { provider: 'openai:gpt-4o' } }, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi' }] }] }, /defaultTest\.options\.provider: not supported: the judge of llm-rubric is the run's --judge contender/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'llm-rubric', value: 'polite', provider: 'openai:gpt-4o' }] }] }, /tests\[0\]\.assert\[0\]\.provider: not supported/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi', metric: 'greeting' }] }] }, /tests\[0\]\.assert\[0\]\.metric: not supported/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi', threshold: 0.5 }] }] }, /tests\[0\]\.assert\[0\]\.threshold: not supported for contains/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'equals', value: { a: 1 } }] }] }, /tests\[0\]\.assert\[0\]\.value: equals with an object/],
    [{ ...base, outputPath: 'out.json', tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi' }] }] }, /: outputPath: not supported/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'contains', value: 'hi', tranform: 'x' }] }] }, /tests\[0\]\.assert\[0\]: unknown key "tranform"/],
    [{ ...base, tests: [{ vars: { x: 'hi' }, assert: [{ type: 'not-javascript', value: 'false' }] }] }, /tests\[0\]\.assert\[0\]\.type: unsupported promptfoo assertion type "not-javascript" \(Saima does not run JavaScript/],
  ];
  for (const [doc, re] of refusedAt) assert.throws(load(doc), re, String(re));
  // The documented prompt object forms load: {raw, label} and {id: file://…, label}.
  writeFileSync(join(dir, 'greet.txt'), 'Greet {{x}} in French.');
  const suite = load({ prompts: [{ id: 'file://greet.txt', label: 'greeting' }, { raw: 'Say {{x}}', label: 'plain' }], tests: [{ vars: { x: 'Ana' }, assert: [{ type: 'contains', value: 'Ana', weight: 2 }] }] })();
  assert.deepEqual(suite.items.map((i) => [i.tags[0], i.parts.stem]), [['prompt:greeting', 'Greet Ana in French.'], ['prompt:plain', 'Say Ana']]);
});

/**
 * A cached answer is reused, a cached grade only under the grading that made it: `saima eval run` twice on the same
 * items with a changed assertion makes no new call but grades again (and back again), and a promptfoo config whose
 * assertion changes does the same. A judge grade is keyed by its judge too.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JUDGE_PROMPT } from '../../src/eval/graders/judge.js';
import type { EvalReport } from '../../src/eval/report.js';
import { runCli } from '../support/cli.js';
import { startEvalUpstream } from '../support/fake-eval-upstreams.js';

const score = (stdout: string): number => (JSON.parse(stdout) as EvalReport).contenders[0]!.score.score.value;

test('a changed assertion regrades the cached answers instead of reusing their grades', async (t) => {
  const up = await startEvalUpstream((q) => (q.startsWith('Capital') ? 'The answer is Paris.' : 'The answer is 4.'));
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-grade-key-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'tiny.yaml');
  const writeSuite = (grader: string, paris: string) =>
    writeFileSync(suite, `name: tiny\ngrader: ${grader}\nitems:\n  - { id: a, prompt: "Capital of France?", expected: "${paris}" }\n  - { id: b, prompt: "2 + 2 = ?", expected: "4" }\n`);
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x' } } }));
  const run = () => runCli(['eval', 'run', suite, '--contenders', 'x', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);

  writeSuite('contains', 'Paris');
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(up.requests.length, 2);
  assert.equal(score(first.stdout), 100, 'both answers contain their expected text');

  // Same calls, stricter assertion: no answer is asked again, and the old passes are not reused.
  writeSuite('exact', 'Paris');
  const strict = await run();
  assert.equal(strict.code, 0, strict.stderr);
  assert.equal(up.requests.length, 2, 'the answers come from the cache');
  assert.equal(score(strict.stdout), 0, 'neither answer equals its expected text exactly');

  // A changed expected value is a changed grading too.
  writeSuite('contains', 'Lyon');
  const lyon = await run();
  assert.equal(lyon.code, 0, lyon.stderr);
  assert.equal(up.requests.length, 2);
  assert.equal(score(lyon.stdout), 50);

  // Back to the first grading: its own grades are still there.
  writeSuite('contains', 'Paris');
  const again = await run();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(up.requests.length, 2);
  assert.equal(score(again.stdout), 100);
});

test('a promptfoo config: a changed assert regrades; an identical one is served whole from the cache', async (t) => {
  const up = await startEvalUpstream(() => 'Hello, WORLD');
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-grade-key-pf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pf = join(dir, 'promptfooconfig.yaml');
  const writeConfig = (assertion: string) =>
    writeFileSync(pf, `prompts:\n  - "Greet {{name}}"\ntests:\n  - vars: { name: world }\n    assert:\n${assertion}\n`);
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x' } } }));
  const run = () => runCli(['eval', 'run', pf, '--contenders', 'x', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);

  writeConfig('      - { type: icontains, value: world }');
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(score(first.stdout), 100);
  assert.equal(up.requests.length, 1);

  writeConfig('      - { type: contains, value: world }');
  const cased = await run();
  assert.equal(cased.code, 0, cased.stderr);
  assert.equal(up.requests.length, 1, 'the answer comes from the cache');
  assert.equal(score(cased.stdout), 0, "promptfoo's contains is case-sensitive: 'world' is not in 'Hello, WORLD'");

  const same = await run();
  assert.equal(same.code, 0, same.stderr);
  assert.equal(up.requests.length, 1);
  assert.equal(score(same.stdout), 0);
});

test("a judge grade is reused only while the judge is asked the same way: its settings are in the grading key", async (t) => {
  const bodies: Array<Record<string, unknown>> = [];
  const up = await startEvalUpstream((q, body) => {
    if (body.model !== 'j') return q.startsWith('Capital') ? 'Paris.' : '4.';
    bodies.push(body);
    return 'It meets the rubric.\nSCORE: 9';
  });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-grade-key-judge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'judged.yaml');
  writeFileSync(suite, 'name: judged\ngrader: { type: judge, rubric: "Answers the question correctly" }\nitems:\n  - { id: a, prompt: "Capital of France?", expected: "Paris" }\n  - { id: b, prompt: "2 + 2 = ?", expected: "4" }\n');
  const cfg = join(dir, 'saima.yaml');
  const writeConfig = (judge: Record<string, unknown>) =>
    writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x' }, j: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'j', ...judge } } }));
  const run = () => runCli(['eval', 'run', suite, '--contenders', 'x', '--judge', 'j', '--twins', 'none', '--json', '--no-progress', '--config', cfg]);

  writeConfig({});
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(score(first.stdout), 100);
  assert.equal(bodies.length, 2, 'each answer judged once');
  assert.deepEqual(bodies.map((b) => [b.temperature, b.max_tokens]), [[0, 4096], [0, 4096]], 'the judge is sent its sampling settings and output cap');
  // What the key digests is what is sent: the prompt's text, filled in. The two items are judged concurrently, so
  // either may come first.
  const sent = bodies.map((b) => b.messages as Array<{ role: string; content: string }>).find((m) => m[1]!.content.includes('Capital of France'))!;
  assert.ok(sent, 'the first item was judged');
  assert.equal(sent[0]!.content, JUDGE_PROMPT.system);
  assert.match(sent[1]!.content, /^Rubric:\nAnswers the question correctly\n\nQuestion:\nCapital of France\?\n\nReference answer:\nParis\n\nAnswer to grade:\nParis\.$/);

  // Nothing changed: answers and grades both come from the store.
  const same = await run();
  assert.equal(same.code, 0, same.stderr);
  assert.equal(score(same.stdout), 100);
  assert.equal(bodies.length, 2, 'no judge call: the grades are reused');
  assert.equal(up.requests.length, 4, 'two answers and two judge calls in all');

  // The judge is sent another output cap: what it is asked changed, so its grades are not reused.
  writeConfig({ max_output_tokens: 300 });
  const capped = await run();
  assert.equal(capped.code, 0, capped.stderr);
  assert.equal(bodies.length, 4, 'both answers judged again');
  assert.deepEqual(bodies.slice(2).map((b) => b.max_tokens), [300, 300]);
  assert.equal(up.requests.length, 6, 'the answers themselves come from the cache');

  // The same cap under the other field name is another request too.
  writeConfig({ max_output_tokens: 300, quirks: { max_tokens_field: 'max_completion_tokens' } });
  const renamed = await run();
  assert.equal(renamed.code, 0, renamed.stderr);
  assert.equal(bodies.length, 6);
  assert.deepEqual(bodies.slice(4).map((b) => [b.max_tokens, b.max_completion_tokens]), [[undefined, 300], [undefined, 300]]);

  // Back to the first settings: their grades are still stored and reused.
  writeConfig({});
  const back = await run();
  assert.equal(back.code, 0, back.stderr);
  assert.equal(score(back.stdout), 100);
  assert.equal(bodies.length, 6, 'no judge call');
});

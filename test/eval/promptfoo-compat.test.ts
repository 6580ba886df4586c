/**
 * A promptfoo config runs as a suite: prompts × tests, `defaultTest` merged, `{{var}}` substituted, `file://` chat
 * prompts, the common assertion types with their `not-` forms, and llm-rubric through the judge contender, whose
 * score is parsed strictly (an unparsable judge is an error, never a pass). An unsupported type is a clear error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EvalReport } from '../../src/eval/report.js';
import { runCli } from '../support/cli.js';
import { startEvalUpstream } from '../support/fake-eval-upstreams.js';

const CONFIG = `
description: French smoke test
prompts:
  - 'Translate to French: {{text}}'
  - file://chat.json
providers: [openai:chat:some-model]
defaultTest:
  assert:
    - type: not-icontains
      value: as an AI
tests:
  - vars: { text: Hello }
    assert:
      - { type: icontains, value: bonjour }
      - { type: starts-with, value: Bonjour }
  - vars: { text: Cat }
    assert: [{ type: equals, value: Le chat }]
  - vars: { text: Data }
    assert:
      - { type: is-json, value: { type: object, required: [word], properties: { word: { type: string } } } }
      - { type: regex, value: 'donn[ée]es' }
  - vars: { text: Thanks }
    assert: [{ type: llm-rubric, value: A polite French thank-you }]
  - vars: { text: Robot }
    assert: [{ type: contains, value: robot }]
`;

const ANSWERS: Record<string, string> = { Hello: 'Bonjour tout le monde', Cat: 'Le chien', Data: '{"word": "données"}', Thanks: 'Merci beaucoup', Robot: 'As an AI, I would say robot' };

test('promptfoo configs run with their assertions; llm-rubric is judged strictly', async (t) => {
  const model = await startEvalUpstream((q) => ANSWERS[q.replace('Translate to French: ', '')] ?? '?');
  const judge = await startEvalUpstream((q) => (q.includes('Answer to grade:\nMerci') ? 'Polite and French.\nSCORE: 9' : 'No.\nSCORE: 1'));
  const rambler = await startEvalUpstream(() => 'I would give this a 9/10, quite good.');
  t.after(() => Promise.all([model.close(), judge.close(), rambler.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'saima-promptfoo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'promptfooconfig.yaml'), CONFIG);
  writeFileSync(join(dir, 'chat.json'), JSON.stringify([{ role: 'system', content: 'You translate into French.' }, { role: 'user', content: 'Translate to French: {{text}}' }]));
  const c = (url: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model: 'm' });
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: c(model.url), judge: c(judge.url), rambler: c(rambler.url) } }));
  const run = (judgeName: string) => runCli(['eval', 'run', join(dir, 'promptfooconfig.yaml'), '--contenders', 'x', '--judge', judgeName, '--json', '--no-progress', '--config', cfg]);

  const judged = await run('judge');
  assert.equal(judged.code, 0, judged.stderr);
  const report = JSON.parse(judged.stdout) as EvalReport;
  const x = report.contenders[0]!;
  assert.equal(report.run.suites[0]!.items, 10, '2 prompts × 5 tests');
  assert.equal(x.score.score.value, 60, 'Hello, Data and Thanks pass; Cat fails equals; Robot fails not-icontains');
  assert.equal(x.samples.errors, 0);
  assert.deepEqual(x.tags.map((b) => [b.key, b.items, b.score]), [['prompt:file://chat.json', 5, 60], ['prompt:prompts[0]', 5, 60]]);
  assert.equal(model.requests.length, 10);
  assert.equal(judge.requests.length, 2, 'one judge call per llm-rubric item');

  const strict = await run('rambler');
  assert.equal(strict.code, 0, strict.stderr);
  const y = (JSON.parse(strict.stdout) as EvalReport).contenders[0]!;
  assert.equal(model.requests.length, 10, 'answers came from the cache');
  // The judge is part of what graded: under another judge the cached answers are graded again, by that judge.
  assert.equal(rambler.requests.length, 2, 'the llm-rubric answers were judged again by the new judge');
  assert.equal(y.samples.errors, 2, "the rambler's unparsable replies are errors, not the first judge's grades");

  writeFileSync(join(dir, 'rubric-only.yaml'), "prompts: ['Translate to French: {{text}}']\ntests:\n  - vars: { text: Thanks }\n    assert: [{ type: llm-rubric, value: Polite, threshold: 0.8 }]\n");
  const unparsable = await runCli(['eval', 'run', join(dir, 'rubric-only.yaml'), '--contenders', 'x', '--judge', 'rambler', '--fresh', '--json', '--no-progress', '--config', cfg]);
  assert.equal(unparsable.code, 0, unparsable.stderr);
  const z = (JSON.parse(unparsable.stdout) as EvalReport).contenders[0]!;
  assert.equal(z.samples.errors, 1, 'an unparsable judge reply is an error');
  assert.equal(z.samples.graded, 0, 'never a pass');
  assert.deepEqual(z.errorCodes, { judge_unparsable: 1 });

  writeFileSync(join(dir, 'bad.yaml'), "prompts: ['Say {{x}}']\ntests:\n  - vars: { x: hi }\n    assert: [{ type: javascript, value: 'output.length > 2' }]\n");
  const bad = await runCli(['eval', 'run', join(dir, 'bad.yaml'), '--contenders', 'x', '--config', cfg]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^saima: .*bad\.yaml: tests\[0\]\.assert\[0\]\.type: unsupported promptfoo assertion type "javascript" \(Saima does not run JavaScript from a suite\) \(supported: equals, contains/);

  // With defaultTest assertions, a test's own assertion is still named by its index in the test.
  writeFileSync(join(dir, 'bad-default.yaml'), "prompts: ['Say {{x}}']\ndefaultTest:\n  assert: [{ type: contains, value: a }, { type: contains, value: b }]\ntests:\n  - vars: { x: hi }\n    assert: [{ type: javascript, value: 'output.length > 2' }]\n");
  const badDefault = await runCli(['eval', 'run', join(dir, 'bad-default.yaml'), '--contenders', 'x', '--config', cfg]);
  assert.equal(badDefault.code, 1);
  assert.match(badDefault.stderr, /bad-default\.yaml: tests\[0\]\.assert\[0\]\.type: unsupported promptfoo assertion type "javascript"/);
});

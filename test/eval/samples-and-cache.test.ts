/**
 * k samples are k real calls (the sample index is part of the cache key), stability is computed from them
 * (pass@k, pass^k, consistency), a second run is served from the cache, and --fresh makes new calls.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { EvalReport } from '../../src/eval/report.js';
import { runCli } from '../support/cli.js';
import { startEvalUpstream } from '../support/fake-eval-upstreams.js';

test('samples are independent calls; reruns hit the cache; --fresh does not', async (t) => {
  // Item a: always right. Item b: right on its first call only. Item c: never right.
  const seen = new Map<string, number>();
  const up = await startEvalUpstream((q) => {
    const n = (seen.get(q) ?? 0) + 1;
    seen.set(q, n);
    if (q.startsWith('2 + 2')) return 'Answer: 4';
    if (q.startsWith('3 + 3')) return n === 1 ? 'Answer: 6' : 'Answer: 7';
    return 'Answer: 0';
  });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-samples-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'tiny.yaml');
  writeFileSync(suite, 'name: tiny\ngrader: number\nitems:\n  - { id: a, prompt: "2 + 2 = ?", expected: 4 }\n  - { id: b, prompt: "3 + 3 = ?", expected: 6 }\n  - { id: c, prompt: "5 + 5 = ?", expected: 10 }\n');
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${join(dir, 's.db')}`, contenders: { x: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x' } } }));
  const run = (...extra: string[]) => runCli(['eval', 'run', suite, '--contenders', 'x', '--samples', '3', '--twins', 'none', '--json', '--no-progress', '--config', cfg, ...extra]);

  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(up.requests.length, 9);
  assert.deepEqual([...seen.values()], [3, 3, 3], 'each item asked three times');
  const c = (JSON.parse(first.stdout) as EvalReport).contenders[0]!;
  const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;
  assert.ok(close(c.score.score.value, (100 * (1 + 1 / 3 + 0)) / 3), `score ${c.score.score.value}`);
  assert.ok(close(c.score.stability.passAtK, (1 + 1 + 0) / 3), 'pass@3: a and b had a right sample');
  assert.ok(close(c.score.stability.passHatK, 1 / 3), 'pass^3: only a was right every time');
  assert.ok(close(c.score.stability.consistency!, (1 + 2 / 3 + 1) / 3), `consistency ${c.score.stability.consistency}`);
  assert.equal(c.verdict.status, 'no twins');

  const second = await run();
  assert.equal(second.code, 0, second.stderr);
  assert.equal(up.requests.length, 9, 'served from the cache');
  assert.deepEqual((JSON.parse(second.stdout) as EvalReport).contenders[0]!.score, c.score);

  const fresh = await run('--fresh');
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.equal(up.requests.length, 18, '--fresh makes new calls');
  assert.ok(close((JSON.parse(fresh.stdout) as EvalReport).contenders[0]!.score.score.value, 100 / 3), 'b is now always wrong');
});

/**
 * Two verdicts in the launch gate, named for what they measure. Through the CLI, against fake OpenAI-protocol
 * upstreams on loopback: a memoriser (knows the published answers) fails on contamination, naming the twin kind and
 * the p that decided; an honest but distractible solver (adds any stray number it reads) passes contamination and
 * fails robustness only — and passes a race whose gate lets robustness report without blocking. `--twins` chooses
 * the kinds the gate runs. No line calls a result significant unless the p it shows is below α.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildConfig } from '../../src/config/load.js';
import type { EvalReport } from '../../src/eval/report.js';
import { loadSuite } from '../../src/eval/suite.js';
import { runCli } from '../support/cli.js';
import { distractible, memoriser, solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

/** Every line (or `; ` clause) that says "significant" shows the deciding p, and it is below α. */
function assertHonestSignificance(out: string): void {
  for (const line of out.split(/\n|; /)) {
    if (!/significant/.test(line)) continue;
    const ps = [...line.matchAll(/p = ([0-9.e+-]+) ([<≥]) α = ([0-9.]+)/g)];
    assert.ok(ps.length > 0, `a line says significant without the p that decided: ${line}`);
    for (const m of ps) {
      assert.equal(m[2], '<', `significant with p ≥ α: ${line}`);
      assert.ok(Number(m[1]) < Number(m[3]), line);
    }
  }
}

test('memoriser fails on contamination, the distractible solver on robustness only; --twins and blocks are honoured', async (t) => {
  const suite = loadSuite(SUITE);
  const memo = await startEvalUpstream(memoriser(suite));
  const brittle = await startEvalUpstream(distractible(suite));
  const prod = await startEvalUpstream(solver(suite));
  t.after(() => Promise.all([memo.close(), brittle.close(), prod.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'saima-gate-verdicts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contender = (url: string, model: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model, price: { input: 1, output: 2 } });
  const cfg = join(dir, 'saima.yaml');
  const challengers = [{ contender: 'memoriser', weight: 0 }, { contender: 'distractible', weight: 0 }];
  writeFileSync(cfg, JSON.stringify({
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: { memoriser: contender(memo.url, 'memo-1'), distractible: contender(brittle.url, 'brittle-1'), 'solver-prod': contender(prod.url, 'solver-prod') },
    races: {
      assistant: { champion: 'solver-prod', challengers, gate: { suites: [SUITE], min_score: 80, alpha: 0.05 } },
      lenient: { champion: 'solver-prod', challengers, gate: { suites: [SUITE], min_score: 80, alpha: 0.05, robustness: { blocks: false } } },
    },
  }));

  const b = await runCli(['gate', 'assistant', 'distractible', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  t.diagnostic(`gate of the distractible model:\n${b.stdout}`);
  assert.equal(b.code, 1, b.stderr + b.stdout);
  assert.match(b.stdout, /^pass {2}contamination {2}within chance: closest /m);
  assert.match(b.stdout, /^FAIL {2}robustness {5}distractor \+\d+\.\d pts .*McNemar p = [0-9.e-]+, Holm-adjusted over 3 kinds p = [0-9.e-]+ < α = 0\.05: significant and above max_drop 20$/m);
  assert.doesNotMatch(b.stdout, /gaming|FAIL {2}contamination/);
  assertHonestSignificance(b.stdout);

  const lenient = await runCli(['gate', 'lenient', 'distractible', '--no-progress', '--json', '--config', cfg], { timeoutMs: 90_000 });
  assert.equal(lenient.code, 0, lenient.stderr + lenient.stdout);
  const verdict = JSON.parse(lenient.stdout) as { passed: boolean; reasons: Array<{ check: string; ok: boolean; message: string }>; contamination: { significant: boolean }; robustness: { significant: boolean; decisive: { kind: string; adjustedP: number } } };
  assert.equal(verdict.passed, true);
  assert.equal(verdict.contamination.significant, false);
  assert.equal(verdict.robustness.significant, true);
  assert.equal(verdict.robustness.decisive.kind, 'distractor');
  assert.ok(verdict.robustness.decisive.adjustedP < 0.05);
  assert.match(verdict.reasons.find((r) => r.check === 'robustness')!.message, /robustness does not block: reported only/);

  const m = await runCli(['gate', 'assistant', 'memoriser', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  t.diagnostic(`gate of the memoriser:\n${m.stdout}`);
  assert.equal(m.code, 1, m.stderr + m.stdout);
  assert.match(m.stdout, /^FAIL {2}contamination {2}(resample-numbers|shuffle-choices|authored) \+\d+\.\d pts .*McNemar p = [0-9.e-]+(, Holm-adjusted over \d kinds p = [0-9.e-]+)? < α = 0\.05: significant and above max_gap 5$/m);
  assertHonestSignificance(m.stdout);

  // --twins: only resampled numbers; robustness is then not tested, and the memoriser still fails on contamination.
  const asked = memo.requests.length;
  const only = await runCli(['gate', 'assistant', 'memoriser', '--twins', 'resample-numbers', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  assert.equal(only.code, 1, only.stderr + only.stdout);
  assert.match(only.stdout, /^FAIL {2}contamination {2}resample-numbers \+\d+\.\d pts .*McNemar p = [0-9.e-]+ < α = 0\.05: significant and above max_gap 5$/m);
  assert.match(only.stdout, /^pass {2}robustness {5}not tested: the run had no robustness twins/m);
  assert.equal(memo.requests.length, asked, 'every variant of the smaller run was already answered (cached)');
  const bad = await runCli(['gate', 'assistant', 'memoriser', '--twins', 'typo', '--no-progress', '--config', cfg]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /unknown twin kind 'typo'/);

  // The eval report carries both verdicts side by side: the brittle model is clean of gaming, the memoriser is not.
  const run = await runCli(['eval', 'run', SUITE, '--contenders', 'distractible,memoriser', '--json', '--no-progress', '--config', cfg], { timeoutMs: 90_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as EvalReport;
  const by = new Map(report.contenders.map((c) => [c.contender, c]));
  assert.deepEqual([by.get('distractible')!.verdict.status, by.get('distractible')!.verdict.robustness], ['clean', 'brittle']);
  assert.equal(by.get('memoriser')!.verdict.status, 'gap suspected');
  assert.match(by.get('distractible')!.verdict.line, /robustness brittle — .*significant drop on: distractor/);
  for (const c of report.contenders) assertHonestSignificance(c.verdict.line);
  t.diagnostic(report.contenders.map((c) => c.verdict.line).join('\n'));
});

test('the gate config takes the contamination limit once: max_gap or contamination.max_gap', () => {
  const doc = (gate: Record<string, unknown>) => ({
    store: 'sqlite::memory:',
    contenders: { a: { provider: 'mock', model: 'a' }, b: { provider: 'mock', model: 'b' } },
    races: { r: { champion: 'a', challengers: [{ contender: 'b', weight: 0 }], gate: { suites: ['s.yaml'], ...gate } } },
  });
  assert.throws(() => buildConfig(doc({ max_gap: 5, contamination: { max_gap: 3 } }), {}), /max_gap and contamination\.max_gap both given/);
  const g = buildConfig(doc({ robustness: { blocks: false } }), {}).races.get('r')!.gate!;
  assert.deepEqual([g.twins, g.contamination.blocks, g.contamination.max_gap ?? g.max_gap, g.robustness.blocks, g.robustness.max_drop], ['auto', true, undefined, false, 20]);
});

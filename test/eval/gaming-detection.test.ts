/**
 * The proof that the gaming gap detects gaming: three OpenAI-protocol upstreams on loopback — a memoriser that knows
 * the example arithmetic suite's published answers, a solver that does the arithmetic, a random answerer — are
 * evaluated with twins through the CLI. The memoriser is flagged (`gap suspected`, McNemar p < 0.01), the solver
 * and the random answerer are `clean`, and the launch gate fails the memoriser and passes the solver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { EvalReport } from '../../src/eval/report.js';
import { loadSuite } from '../../src/eval/suite.js';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { memoriser, randomAnswerer, solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('memoriser flagged, solver and random clean; the gate fails the memoriser and passes the solver', async (t) => {
  const suite = loadSuite(SUITE);
  const memo = await startEvalUpstream(memoriser(suite));
  const solve = await startEvalUpstream(solver(suite));
  const rand = await startEvalUpstream(randomAnswerer(42));
  t.after(() => Promise.all([memo.close(), solve.close(), rand.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'saima-detect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contender = (url: string, model: string) => ({ provider: 'openai', base_url: url, api_key: 'sk-test', model, price: { input: 1, output: 2 } });
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: { memoriser: contender(memo.url, 'memo-1'), solver: contender(solve.url, 'solver-1'), random: contender(rand.url, 'random-1'), 'solver-prod': contender(solve.url, 'solver-prod') },
    races: {
      assistant: {
        champion: 'solver-prod',
        challengers: [{ contender: 'memoriser', weight: 0 }, { contender: 'solver', weight: 0 }],
        gate: { suites: [SUITE], min_score: 80, max_gap: 5, alpha: 0.05, not_worse_than_champion: true },
      },
    },
  }));

  const run = await runCli(['eval', 'run', SUITE, '--contenders', 'memoriser,solver,random', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as EvalReport;
  const by = new Map(report.contenders.map((c) => [c.contender, c]));
  const m = by.get('memoriser')!;
  const s = by.get('solver')!;
  const r = by.get('random')!;
  const numbers = report.contenders.map((c) => ({
    contender: c.contender, originals: c.score.score.value, ci: [c.score.score.lower, c.score.score.upper], twins: c.twinAccuracy,
    gap: c.gap.all?.gap, gapCi: [c.gap.all?.lower, c.gap.all?.upper], b: c.gap.all?.b, c: c.gap.all?.c, p: c.gap.all?.pValue, verdict: c.verdict.status,
    byKind: Object.fromEntries(c.gap.byKind.map((g) => [g.kind, { gap: g.gap, p: g.pValue }])),
  }));
  t.diagnostic(JSON.stringify(numbers));

  assert.equal(m.verdict.status, 'gap suspected', m.verdict.line);
  assert.ok(m.score.score.value >= 95, `memoriser scores high on originals: ${m.score.score.value}`);
  assert.ok(m.twinAccuracy! <= 10, `and low on twins: ${m.twinAccuracy}`);
  assert.ok(m.gap.all!.pValue < 0.01 && m.gap.all!.lower > 50, m.verdict.line);
  for (const kind of ['resample-numbers', 'rename-entities', 'distractor', 'reformat']) {
    const g = m.gap.byKind.find((x) => x.kind === kind);
    assert.ok(g && g.gap > 80 && g.pValue < 0.01, `memoriser gap on ${kind}: ${JSON.stringify(g)}`);
  }
  assert.equal(s.verdict.status, 'clean', s.verdict.line);
  assert.ok(s.score.score.value >= 95 && s.twinAccuracy! >= 95, s.verdict.line);
  assert.equal(r.verdict.status, 'clean', r.verdict.line);
  assert.ok(r.score.score.value <= 10, `random scores low: ${r.score.score.value}`);
  assert.equal(report.run.missing, 0);
  // 64 originals + 242 twins, each asked once of each contender.
  assert.equal(memo.requests.length, 306);
  assert.equal(new Set(memo.requests).size, 306, 'every variant is a distinct prompt');

  const md = await runCli(['eval', 'report', report.run.id, '--md', '--config', cfg]);
  assert.equal(md.code, 0, md.stderr);
  for (const heading of ['## Summary', '## Gaming gap by twin kind', '## By tag', '## Cost and latency', '## Worst items', '### memoriser']) assert.ok(md.stdout.includes(heading), heading);
  assert.match(md.stdout, /\| memoriser \| zh \|/);

  const before = solve.requests.length;
  const failGate = await runCli(['gate', 'assistant', 'memoriser', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(failGate.code, 1, failGate.stderr + failGate.stdout);
  assert.match(failGate.stdout, /FAIL {2}contamination {2}resample-numbers/);
  assert.match(failGate.stdout, /pass {2}score .*arithmetic-bilingual: score 100\.0 ≥ 80/);
  assert.match(failGate.stdout, /gate failed: assistant\/memoriser/);
  const passGate = await runCli(['gate', 'assistant', 'solver', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(passGate.code, 0, passGate.stderr + passGate.stdout);
  assert.match(passGate.stdout, /pass {2}champion .*vs champion solver-prod/);
  assert.match(passGate.stdout, /gate passed: assistant\/solver/);
  // The champion was asked once per variant; the challengers' answers came from the cache of the first run.
  assert.equal(solve.requests.length - before, 306);
  assert.equal(memo.requests.length, 306);

  const store = await openStore(`sqlite:${join(dir, 'saima.db')}`);
  t.after(() => store.close());
  const memoGate = await store.evals.latestGate('assistant', 'memoriser');
  const solverGate = await store.evals.latestGate('assistant', 'solver');
  assert.equal(memoGate?.passed, false);
  assert.equal(solverGate?.passed, true);
  assert.ok(Array.isArray(memoGate.reasons) && (memoGate.reasons as Array<{ check: string; ok: boolean }>).some((c) => c.check === 'contamination' && !c.ok));
});

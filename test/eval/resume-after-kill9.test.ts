/**
 * A run killed with SIGKILL mid-way resumes with `saima eval resume RUN` and repeats no completed call: every
 * variant whose result was committed before the kill is asked of the upstream exactly once in total, the resume
 * asks only for the rest, and a later run of the same suite is served entirely from the cache.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/eval/suite.js';
import { openStore } from '../../src/store/index.js';
import { CLI_ARGS, runCli } from '../support/cli.js';
import { solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

test('kill -9 mid-run, resume: no completed call is repeated', async (t) => {
  const up = await startEvalUpstream(solver(loadSuite(SUITE)), { delayMs: 25 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-kill9-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'saima.db');
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({ store: `sqlite:${db}`, contenders: { s: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 's' } } }));

  const child = spawn(process.execPath, [...CLI_ARGS, 'eval', 'run', SUITE, '--contenders', 's', '--concurrency', '4', '--no-progress', '--config', cfg], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? -9 : code)));
  const deadline = Date.now() + 30_000;
  while (up.requests.length < 120 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  child.kill('SIGKILL');
  assert.equal(await exited, -9, 'killed mid-run');
  const beforeResume = up.requests.length;
  assert.ok(beforeResume >= 120 && beforeResume < 306, `killed after ${beforeResume} of 306 calls`);

  const store = await openStore(`sqlite:${db}`);
  const [run] = await store.evals.listRuns(1);
  assert.equal(run?.status, 'running', 'the killed run never marked itself done');
  const rows = await store.db.selectFrom('eval_results').select(['variant_id', 'ok']).execute();
  const plan = (await store.evals.getRun(run!.id))!.plan as { variants: Array<{ id: string; messages: Array<{ content: string }> }> };
  await store.close();
  const promptOf = new Map(plan.variants.map((v) => [v.id, v.messages[v.messages.length - 1]!.content]));
  const completed = new Set(rows.map((r) => promptOf.get(r.variant_id)!));
  assert.ok(completed.size > 0 && completed.size <= beforeResume, `${completed.size} results committed before the kill`);
  assert.ok(beforeResume - completed.size <= 4, 'at most the calls in flight were lost');

  const resumed = await runCli(['eval', 'resume', run!.id, '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout) as { run: { status: string; missing: number }; contenders: Array<{ score: { score: { value: number } } }> };
  assert.equal(report.run.status, 'done');
  assert.equal(report.run.missing, 0);
  assert.equal(report.contenders[0]!.score.score.value, 100);
  assert.equal(up.requests.length - beforeResume, 306 - completed.size, 'the resume asked only for what was not committed');
  const asked = new Map<string, number>();
  for (const q of up.requests) asked.set(q, (asked.get(q) ?? 0) + 1);
  for (const q of completed) assert.equal(asked.get(q), 1, `completed before the kill, asked once: ${q.slice(0, 40)}`);
  assert.equal(asked.size, 306);

  const again = await runCli(['eval', 'run', SUITE, '--contenders', 's', '--json', '--no-progress', '--config', cfg], { timeoutMs: 60_000 });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(up.requests.length, beforeResume + 306 - completed.size, 'a new run of the same suite is served from the cache');
});

/**
 * `saima eval run` stops cleanly on its first SIGTERM (or Ctrl-C): no new calls, the calls in flight get a bounded
 * grace, the run is marked stopped (resumable) and the process exits with 3. Without a terminal it prints a
 * progress line at least every 10 s, even while no call completes.
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
import { CLI_ARGS } from '../support/cli.js';
import { solver, startEvalUpstream } from '../support/fake-eval-upstreams.js';

const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`the first ${signal} stops new calls, bounds the grace, marks the run stopped and exits`, async (t) => {
    // Every call takes 30 s: the calls in flight cannot finish within the grace.
    const up = await startEvalUpstream(solver(loadSuite(SUITE)), { delayMs: 30_000 });
    t.after(() => up.close());
    const dir = mkdtempSync(join(tmpdir(), 'saima-stop-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const db = join(dir, 'saima.db');
    const cfg = join(dir, 'saima.yaml');
    writeFileSync(cfg, JSON.stringify({ store: `sqlite:${db}`, contenders: { s: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 's' } } }));
    const child = spawn(process.execPath, [...CLI_ARGS, 'eval', 'run', SUITE, '--contenders', 's', '--concurrency', '4', '--config', cfg], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SAIMA_EVAL_GRACE_MS: '1000' },
    });
    let stderr = '';
    const lineAt: number[] = [];
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const l of d.toString().split('\n')) if (/\d+\/306/.test(l)) lineAt.push(performance.now());
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (up.requests.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(up.requests.length, 4, 'four calls in flight');
    // Nothing completes for 12 s: the plain progress lines must keep coming anyway, never 10 s apart.
    const watchFrom = performance.now();
    await new Promise((r) => setTimeout(r, 12_000));
    const seen = [...lineAt.filter((at) => at >= watchFrom), performance.now()];
    let gap = seen[0]! - Math.max(watchFrom, lineAt.filter((at) => at < watchFrom).at(-1) ?? watchFrom);
    for (let i = 1; i < seen.length; i++) gap = Math.max(gap, seen[i]! - seen[i - 1]!);
    const lines = seen.length - 1;
    // The bar is the gap (no 10 s without a line, the tail to now included); a line comes every ~5 s, so the 12 s
    // window holds one or two of them depending on where it starts.
    assert.ok(lines >= 1 && gap <= 10_000, `progress lines while no call completed: ${lines}, longest gap ${gap.toFixed(0)} ms\n${stderr}`);

    const t0 = performance.now();
    child.kill(signal);
    const code = await exited;
    const ms = performance.now() - t0;
    assert.equal(code, 3, stderr);
    assert.ok(ms < 6_000, `exited ${ms.toFixed(0)} ms after ${signal} (grace 1000 ms)`);
    assert.equal(up.requests.length, 4, 'no new call after the signal');
    assert.match(stderr, /stopped: interrupted; resume with: saima eval resume run_/);

    const store = await openStore(`sqlite:${db}`);
    t.after(() => store.close());
    const [run] = await store.evals.listRuns(1);
    assert.equal(run?.status, 'stopped');
    const rows = await store.db.selectFrom('eval_results').select('variant_id').execute();
    assert.equal(rows.length, 0, 'the calls cut by the grace are not recorded: a resume makes them again');
    t.diagnostic(`${signal}: exited ${ms.toFixed(0)} ms after the signal, ${lines} progress lines in 12 s without a completed call`);
  });
}

/**
 * The gateway process bounds V8's old-generation growth and its young generation unless node was started with its
 * own settings.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { boundedStart, boundHeapGrowth, GATEWAY_MALLOC_ARENAS, GATEWAY_SEMI_SPACE_MB } from '../../src/cli/heap-growth.js';
import { serveChild } from '../support/cli.js';

const MODULE = fileURLToPath(new URL('../../src/cli/heap-growth.ts', import.meta.url));

test('a heap-growing-percent on the command line is left alone, in either spelling', () => {
  assert.equal(boundHeapGrowth(['--heap-growing-percent=200']), 'left to the command line');
  assert.equal(boundHeapGrowth(['--max-old-space-size=512', '--heap_growing_percent=10']), 'left to the command line');
  assert.equal(boundHeapGrowth(['--max-old-space-size=512']), 'applied');
});

// The bound must change when V8 collects: a process that keeps 8 MB alive and churns garbage through the old
// generation runs more full GCs once boundHeapGrowth() has run in it than without. Counted, not timed.
const CHURN = `
import { PerformanceObserver, constants } from 'node:perf_hooks';
let majors = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
const said = process.argv[1] === 'bound' ? (await import(process.argv[2])).boundHeapGrowth() : 'not called';
const live = Array.from({ length: 80_000 }, (_, i) => ({ i, s: 'x'.repeat(64) }));
let keep = [];
for (let round = 0; round < 1000; round++) {
  for (let i = 0; i < 2000; i++) keep.push({ round, i, s: 'y'.repeat(64) });
  if (keep.length > 40_000) keep = [];
  await new Promise((r) => setImmediate(r));
}
setTimeout(() => console.log(JSON.stringify({ majors, said, live: live.length })), 50);
`;

function churn(mode: 'bound' | 'default', nodeArgs: string[] = []): { majors: number; said: string } {
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', '--input-type=module', '-e', CHURN, mode, MODULE], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { majors: number; said: string };
}

test('boundHeapGrowth() after start makes V8 collect the old generation more often', () => {
  const bound = churn('bound');
  const dflt = churn('default');
  assert.equal(bound.said, 'applied');
  assert.ok(bound.majors > dflt.majors, `full GCs with the bound ${bound.majors}, without ${dflt.majors}`);
});

test('a bound given to node wins over boundHeapGrowth()', () => {
  const mine = churn('bound', ['--heap-growing-percent=300']);
  const bound = churn('bound');
  assert.equal(mine.said, 'left to the command line');
  assert.ok(mine.majors < bound.majors, `full GCs with node's own 300% ${mine.majors}, with the gateway's 50% ${bound.majors}`);
});

test('the young-generation and arena bounds are left to settings given to node or in the environment', () => {
  const argv = ['node', 'main.js', 'serve', '--config', 'c.yaml'];
  const semi = `--max-semi-space-size=${GATEWAY_SEMI_SPACE_MB}`;
  assert.deepEqual(boundedStart(['--import', 'tsx'], argv, { HOME: '/h' }), { args: [semi, '--import', 'tsx', 'main.js', 'serve', '--config', 'c.yaml'], env: { HOME: '/h', MALLOC_ARENA_MAX: String(GATEWAY_MALLOC_ARENAS) } });
  assert.deepEqual(boundedStart(['--max-semi-space-size=32'], argv, {})?.args, ['--max-semi-space-size=32', 'main.js', 'serve', '--config', 'c.yaml']);
  assert.deepEqual(boundedStart([], argv, { MALLOC_ARENA_MAX: '8' })?.env, { MALLOC_ARENA_MAX: '8' });
  assert.equal(boundedStart(['--semi_space_growth_factor=1'], argv, { MALLOC_ARENA_MAX: '4' }), null);
  assert.equal(boundedStart([], argv, { NODE_OPTIONS: '--enable-source-maps --max_semi_space_size=2', MALLOC_ARENA_MAX: '1' }), null);
  assert.deepEqual(boundedStart([], argv, { NODE_OPTIONS: '--enable-source-maps' })?.args[0], semi);
});

/** The young generation's size as the gateway's own /metrics reports it, after 300 requests through it. */
async function newSpaceAfterTraffic(t: TestContext, env: NodeJS.ProcessEnv = {}): Promise<{ bytes: number; cmdline: string; arenas: string | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-young-gen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, ['server: { host: 127.0.0.1, port: 0 }', 'auth: { mode: none }', `store: "sqlite:${join(dir, 's.db')}"`, 'contenders:', '  m: { provider: mock, model: m }'].join('\n'));
  const gw = await serveChild(t, cfg, { env });
  const pid = gw.child.pid!;
  for (let i = 0; i < 30; i++) {
    await Promise.all(Array.from({ length: 10 }, async () => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: `hello ${i}` }] }) });
      assert.equal(res.status, 200, await res.text());
    }));
  }
  const metrics = await (await fetch(`${gw.url}/metrics`)).text();
  const m = /^saima_process_nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)/m.exec(metrics);
  assert.ok(m, 'the gateway reports its young generation');
  const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  return { bytes: Number(m[1]), cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' '), arenas: environ.find((e) => e.startsWith('MALLOC_ARENA_MAX=')) ?? null };
}

test('saima serve runs with its young generation and arenas bounded, in the process that was started', async (t) => {
  const { bytes, cmdline, arenas } = await newSpaceAfterTraffic(t, { MALLOC_ARENA_MAX: undefined });
  // Two semi-spaces; V8's default lets them reach 16 MB each on Node 22 (32 on Node 24).
  assert.ok(bytes <= 2 * GATEWAY_SEMI_SPACE_MB * 1024 * 1024, `young generation ${bytes} bytes`);
  assert.match(cmdline, new RegExp(`--max-semi-space-size=${GATEWAY_SEMI_SPACE_MB} `));
  assert.equal(arenas, `MALLOC_ARENA_MAX=${GATEWAY_MALLOC_ARENAS}`);
});

test('a semi-space size in NODE_OPTIONS and arenas in the environment win over the gateway bounds', async (t) => {
  const { bytes, cmdline, arenas } = await newSpaceAfterTraffic(t, { NODE_OPTIONS: '--max-semi-space-size=1', MALLOC_ARENA_MAX: '3' });
  assert.ok(bytes <= 2 * 1024 * 1024, `young generation ${bytes} bytes`);
  assert.doesNotMatch(cmdline, /semi-space/);
  assert.equal(arenas, 'MALLOC_ARENA_MAX=3');
});

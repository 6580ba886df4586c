/** The gateway process bounds V8's old-generation growth unless node was started with its own bound. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { boundHeapGrowth } from '../../src/cli/heap-growth.js';

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

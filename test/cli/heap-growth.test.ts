/** The gateway process bounds V8's old-generation growth unless node was started with its own bound. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { boundHeapGrowth } from '../../src/cli/heap-growth.js';

test('a heap-growing-percent on the command line is left alone, in either spelling', () => {
  assert.equal(boundHeapGrowth(['--heap-growing-percent=200']), 'left to the command line');
  assert.equal(boundHeapGrowth(['--max-old-space-size=512', '--heap_growing_percent=10']), 'left to the command line');
  assert.equal(boundHeapGrowth(['--max-old-space-size=512']), 'applied');
});

// The bound must change when V8 collects: a process that keeps 8 MB alive and churns garbage through the old
// generation runs more full GCs with it than without it. Counted, not timed.
const CHURN = `
const v8 = require('node:v8');
const { PerformanceObserver, constants } = require('node:perf_hooks');
let majors = 0;
new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors++; }).observe({ entryTypes: ['gc'] });
if (process.argv[1] === 'bound') v8.setFlagsFromString('--heap-growing-percent=50');
const live = Array.from({ length: 80_000 }, (_, i) => ({ i, s: 'x'.repeat(64) }));
let keep = [];
(async () => {
  for (let round = 0; round < 1000; round++) {
    for (let i = 0; i < 2000; i++) keep.push({ round, i, s: 'y'.repeat(64) });
    if (keep.length > 40_000) keep = [];
    await new Promise((r) => setImmediate(r));
  }
  setTimeout(() => { console.log(JSON.stringify({ majors, live: live.length })); }, 50);
})();
`;

function majorGcs(mode: 'bound' | 'default'): number {
  const r = spawnSync(process.execPath, ['-e', CHURN, mode], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { majors: number }).majors;
}

test('the bound V8 takes after start makes it collect the old generation more often', () => {
  const bound = majorGcs('bound');
  const dflt = majorGcs('default');
  assert.ok(bound > dflt, `full GCs with the bound ${bound}, without ${dflt}`);
});

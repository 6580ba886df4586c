/**
 * Ticks never overlap (a second call joins the running tick), a race whose tick fails is reported in its status
 * and does not stop the other races, and `start()` ticks on the configured interval until `stop()`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GateResults } from '../../src/race/monitor.js';
import { monitorRig } from './monitor-support.js';

test('one failing race does not stop the others; concurrent ticks are one tick', async (t) => {
  let calls = 0;
  const gates: GateResults = {
    async latestGate() {
      calls++;
      await new Promise((r) => setTimeout(r, 20));
      throw new Error('evals table unavailable');
    },
  };
  const errors: string[] = [];
  const rig = await monitorRig(t, 'sqlite', {
    gated: { champion: 'champ', challengers: [{ contender: 'new', weight: 10 }], policy: { type: 'gate' } },
    canary: { champion: 'champ', challengers: [{ contender: 'flaky', weight: 10 }], sticky: false, policy: { type: 'canary', ramp: [10, 50] } },
  }, { gates, errors });
  await rig.traffic('canary', 'champ', 900, 9);
  await rig.traffic('canary', 'flaky', 100, 30);

  const a = rig.monitor.tick();
  const b = rig.monitor.tick();
  assert.equal(a, b);
  await Promise.all([a, b]);
  assert.equal(calls, 1);
  assert.deepEqual(errors, ['gated: evals table unavailable']);
  const gated = rig.monitor.status('gated');
  assert.ok(gated && !gated.ok && gated.error === 'evals table unavailable');
  assert.equal((await rig.store.decisions.list('canary'))[0]!.action, 'rollback');
});

test('start() ticks every interval_ms until stop()', async (t) => {
  let ticks = 0;
  const gates: GateResults = { async latestGate() { ticks++; return null; } };
  const rig = await monitorRig(t, 'sqlite', {
    gated: { champion: 'champ', challengers: [{ contender: 'new', weight: 10 }], policy: { type: 'gate' } },
  }, { gates, intervalMs: 40 });
  rig.monitor.start();
  await new Promise((r) => setTimeout(r, 300));
  await rig.monitor.stop();
  const seen = ticks;
  assert.ok(seen >= 3 && seen <= 8, `${seen} ticks in 300 ms at 40 ms`);
  const status = rig.monitor.status('gated');
  assert.ok(status && status.ok);
  assert.match(status.assessment.challengers[0]!.note, /no verdict yet/);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(ticks, seen);
});

/**
 * Exactly one replica holds the race-monitor lease, and when that replica is killed (SIGKILL: no shutdown, no
 * release) another takes the lease over within two monitor ticks, with a larger fencing token.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, metric, spawnReplica, startReplicas } from './cluster-harness.js';

const TICK_MS = 600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('killing the monitor leader hands the lease to another replica within two ticks', async (t) => {
  const env = await clusterEnv(t);
  const doc = { contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } }, monitor: { interval_ms: TICK_MS } };
  // The first replica, a process of its own, takes the lease; the two that start after it follow.
  const leader = await spawnReplica(t, env, doc);
  const deadline = performance.now() + 5_000;
  while ((await metric(leader.url, 'saima_cluster_monitor_leader')) !== 1 && performance.now() < deadline) await sleep(50);
  const fence = await metric(leader.url, 'saima_cluster_monitor_fence');
  assert.ok(fence >= 1, 'the first replica holds the lease');
  const others = await startReplicas(t, env, doc, 2);
  await sleep(TICK_MS);
  for (const r of others) assert.equal(await metric(r.url, 'saima_cluster_monitor_leader'), 0, 'a follower does not hold the lease');

  leader.child.kill('SIGKILL');
  const killed = performance.now();
  let holders: number[] = [0, 0];
  while (performance.now() - killed < 3 * TICK_MS) {
    holders = await Promise.all(others.map((r) => metric(r.url, 'saima_cluster_monitor_leader')));
    if (holders.some((h) => h === 1)) break;
    await sleep(20);
  }
  const took = performance.now() - killed;
  t.diagnostic(`lease taken over ${took.toFixed(0)} ms after the kill (tick ${TICK_MS} ms)`);
  assert.equal(holders.filter((h) => h === 1).length, 1, 'exactly one replica took over');
  assert.ok(took <= 2 * TICK_MS, `took ${took.toFixed(0)} ms, more than two ticks`);
  const next = others[holders.indexOf(1)]!;
  assert.ok((await metric(next.url, 'saima_cluster_monitor_fence')) > fence, 'the new holding has a newer fencing token');
});

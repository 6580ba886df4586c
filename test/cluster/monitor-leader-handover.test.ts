/**
 * Exactly one replica holds the race-monitor lease and runs the monitor; when that replica is killed (SIGKILL: no
 * shutdown, no release) another takes the lease over, with a larger fencing token, and monitors the race within
 * two monitor ticks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender } from '../support/gateway.js';
import { clusterEnv, metric, spawnReplica, startReplicas } from './cluster-harness.js';

const TICK_MS = 600;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** When this replica's race monitor last assessed the race (null: it has not). */
async function monitoredAt(url: string): Promise<number | null> {
  const res = await fetch(`${url}/admin/races/r`);
  const body = (await res.json()) as { monitor: { at: number } | null };
  return body.monitor?.at ?? null;
}

test('killing the monitor leader hands monitoring to another replica within two ticks', async (t) => {
  const env = await clusterEnv(t);
  const doc = {
    contenders: { m: mockContender('m'), c: mockContender('c') },
    races: { r: { champion: 'm', challengers: [{ contender: 'c', weight: 5 }], policy: { type: 'canary' } } },
    monitor: { interval_ms: TICK_MS },
  };
  // The first replica, a process of its own, takes the lease; the two that start after it follow.
  const leader = await spawnReplica(t, env, doc);
  const deadline = performance.now() + 5_000;
  while ((await metric(leader.url, 'saima_cluster_monitor_leader')) !== 1 && performance.now() < deadline) await sleep(50);
  const fence = await metric(leader.url, 'saima_cluster_monitor_fence');
  assert.ok(fence >= 1, 'the first replica holds the lease');
  const others = await startReplicas(t, env, doc, 2);
  await sleep(TICK_MS);
  for (const r of others) assert.equal(await metric(r.url, 'saima_cluster_monitor_leader'), 0, 'a follower does not hold the lease');
  assert.notEqual(await monitoredAt(leader.url), null, 'the holder runs the monitor');
  for (const r of others) assert.equal(await monitoredAt(r.url), null, 'a follower does not');

  leader.child.kill('SIGKILL');
  const killed = performance.now();
  const killedAt = Date.now();
  let watched: Array<number | null> = [null, null];
  while (performance.now() - killed < 4 * TICK_MS) {
    watched = await Promise.all(others.map((r) => monitoredAt(r.url)));
    if (watched.some((at) => at !== null)) break;
    await sleep(20);
  }
  const took = performance.now() - killed;
  t.diagnostic(`the race was monitored again ${took.toFixed(0)} ms after the kill (tick ${TICK_MS} ms)`);
  assert.equal(watched.filter((at) => at !== null).length, 1, 'exactly one replica took over');
  assert.ok(took <= 2 * TICK_MS, `took ${took.toFixed(0)} ms, more than two ticks`);
  const next = others[watched.findIndex((at) => at !== null)]!;
  assert.ok(watched.find((at) => at !== null)! >= killedAt, 'by a tick after the kill');
  assert.equal(await metric(next.url, 'saima_cluster_monitor_leader'), 1);
  assert.ok((await metric(next.url, 'saima_cluster_monitor_fence')) > fence, 'the new holding has a newer fencing token');
});

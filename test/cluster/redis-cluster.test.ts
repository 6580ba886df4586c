/**
 * On a real three-node Redis Cluster (`?cluster=1`, a hash-tagged prefix): two replicas share one rate limit and
 * one budget through the batched multi-key scripts, exactly one holds the monitor lease, and an eval run goes
 * through the BullMQ queue. Without a hash tag the URL is refused with the reason.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Cluster } from 'ioredis';
import { EvalWorker } from '../../src/cluster/eval-worker.js';
import { runOnQueue } from '../../src/cluster/eval-queue.js';
import { buildConfig } from '../../src/config/load.js';
import { createRun } from '../../src/eval/create-run.js';
import { startServer } from '../../src/server/index.js';
import { ProviderRegistry } from '../../src/providers/registry.js';
import { TEST_ADMIN_KEY, mockContender } from '../support/gateway.js';
import { storeUrlFor } from '../support/databases.js';
import { metric } from './cluster-harness.js';

/** A port free now whose cluster-bus port (+10000) is free too. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    if (port + 10_000 > 65_535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const s = createServer().once('error', () => resolve(false)).listen(port + 10_000, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
}

/**
 * Teardown in reverse order of setup (node:test runs `after` hooks in the order they were added): the Redis nodes
 * must go last, since a BullMQ worker closing against a cluster that is already gone waits on QUIT for ever.
 */
function teardownStack(t: TestContext): (fn: () => unknown) => void {
  const fns: Array<() => unknown> = [];
  t.after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return (fn) => void fns.push(fn);
}

async function startRedisCluster(after: (fn: () => unknown) => void): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-rcluster-'));
  const nodes: ChildProcess[] = [];
  after(() => {
    for (const n of nodes) n.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    ports.push(port);
    const node = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    nodes.push(node);
  }
  for (const port of ports) {
    for (let i = 0; spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; i++) {
      if (i > 100) throw new Error(`redis node ${port} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  assert.equal(created.status, 0, created.stdout + created.stderr);
  for (let i = 0; ; i++) {
    const states = ports.map((p) => spawnSync('redis-cli', ['-p', String(p), 'cluster', 'info'], { encoding: 'utf8' }).stdout);
    if (states.every((s) => s.includes('cluster_state:ok'))) break;
    if (i > 200) throw new Error(`the cluster did not become ready: ${states.join(' | ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return ports;
}

test('replicas share limits, budgets, the monitor lease and the eval queue on a Redis Cluster', async (t) => {
  const after = teardownStack(t);
  const ports = await startRedisCluster(after);
  const storeUrl = await storeUrlFor('postgres', t);
  const contenders = { m: mockContender('m', { default_answer: 'yes' }) };

  const untagged = buildConfig({ server: { host: '127.0.0.1', port: 0 }, store: storeUrl, redis: `redis://127.0.0.1:${ports[0]}?cluster=1`, contenders }, {});
  await assert.rejects(startServer(untagged, { logger: false, env: {} }), /on a Redis Cluster the prefix needs a hash tag/);

  // The second node of the URL list: any node will do, the client discovers the others.
  const redisUrl = `redis://127.0.0.1:${ports[1]}?cluster=1&prefix=saima:{t}:`;
  const doc = {
    server: { host: '127.0.0.1', port: 0 },
    auth: { mode: 'keys' },
    store: storeUrl,
    redis: redisUrl,
    contenders,
    races: { r: { champion: 'm' } },
    teams: { admin: { limits: { rpm: 4 } } },
    budgets: { daily: { race: 'r', period: 'day', limit: 100, currency: 'CNY' } },
    monitor: { interval_ms: 600 },
  };
  const replicas = [];
  for (let i = 0; i < 2; i++) {
    const gw = await startServer(buildConfig(doc, {}), { logger: false, env: { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY } });
    after(() => gw.close());
    replicas.push(gw);
  }
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${replicas[i % 2]!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
      body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: `hi ${i}` }] }),
    });
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  assert.deepEqual(statuses.slice(0, 4), [200, 200, 200, 200]);
  assert.deepEqual(statuses.slice(4), [429, 429], 'one RPM limit for both replicas');

  let leaders = 0;
  for (let i = 0; i < 40 && leaders !== 1; i++) {
    leaders = (await Promise.all(replicas.map((r) => metric(r.url, 'saima_cluster_monitor_leader')))).reduce((a, b) => a + b, 0);
    if (leaders !== 1) await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(leaders, 1, 'exactly one replica holds the monitor lease');

  // An eval run through BullMQ on the cluster, with an in-process worker.
  const dir = mkdtempSync(join(tmpdir(), 'saima-rcluster-suite-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const suite = join(dir, 'suite.json');
  writeFileSync(suite, JSON.stringify({ name: 'tiny', grader: 'contains', items: Array.from({ length: 10 }, (_, i) => ({ id: `q${i}`, prompt: `Say yes ${i}.`, expected: 'yes' })) }));
  const config = buildConfig(doc, {});
  const store = replicas[0]!.store;
  const providers = new ProviderRegistry();
  after(() => providers.close());
  const worker = await EvalWorker.start({ config, store, providers, concurrency: 4 });
  after(() => worker.close());
  const run = await createRun(store, config, { suites: [suite], contenders: ['m'], samples: 1, twins: [], concurrency: 4 });
  const outcome = await runOnQueue(run.id, store, config, { pollMs: 50 });
  assert.equal(outcome.status, 'done', String(outcome.stopReason));
  assert.equal(outcome.calls, 10);
  assert.equal(worker.processed, 10);

  // The budget's holds were all settled, in the slot of the prefix's hash tag.
  await Promise.all(replicas.map((r) => r.close()));
  const client = new Cluster([{ host: '127.0.0.1', port: ports[0]! }]);
  client.on('error', () => {});
  after(() => client.disconnect());
  await client.ping();
  const perNode = await Promise.all(client.nodes('master').map((n) => n.keys('saima:{t}:*')));
  assert.equal(perNode.filter((keys) => keys.length > 0).length, 1, 'every key of the deployment is on one node: one slot');
  const keys = perNode.flat().filter((k) => k.startsWith('saima:{t}:budget:daily:'));
  assert.ok(keys.length >= 1, `budget window keys: ${perNode.flat().join(', ')}`);
  for (const k of keys.filter((x) => !x.endsWith(':holds'))) assert.equal(Number(await client.hget(k, 'reserved')), 0, 'no hold left behind');
});

/**
 * Several gateway replicas on loopback sharing one database and one Redis key prefix, as a clustered deployment
 * would. Each test gets a fresh PostgreSQL schema (or, with SAIMA_TEST_NO_POSTGRES=1, one SQLite file the replicas
 * share) and its own Redis prefix, deleted afterwards, so parallel test files never see each other's keys.
 * An unreachable Redis fails the test.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/load.js';
import type { RunningGateway } from '../../src/gateway/server.js';
import { startServer } from '../../src/server/index.js';
import { serveChild } from '../support/cli.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

export const REDIS_URL = process.env.SAIMA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterEnv {
  storeUrl: string;
  redisUrl: string;
  prefix: string;
  /** A plain connection for assertions on the shared state (keys must be written with `prefix`). */
  redis: Redis;
}

/** A fresh database and Redis prefix for one test, cleaned up after it. */
export async function clusterEnv(t: TestContext): Promise<ClusterEnv> {
  const dialect = testDialects().includes('postgres') ? 'postgres' : 'sqlite';
  const storeUrl = await storeUrlFor(dialect, t);
  const prefix = `t_${randomBytes(6).toString('hex')}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis is not reachable at ${REDIS_URL} (${(err as Error).message}); start it (redis-server --port 6379) to run the cluster tests`, { cause: err });
  }
  t.after(async () => {
    await deletePrefix(redis, prefix);
    await redis.quit();
  });
  const u = new URL(REDIS_URL);
  u.searchParams.set('prefix', prefix);
  return { storeUrl, redisUrl: u.toString(), prefix, redis };
}

/** Deletes only this test's keys. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/** The config document every replica of a test starts from. */
export function replicaDoc(env: ClusterEnv, doc: Record<string, unknown>): Record<string, unknown> {
  return { server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store: env.storeUrl, redis: env.redisUrl, ...doc };
}

/** Starts `n` replicas one after another (the first migrates the schema and seeds the race states). */
export async function startReplicas(t: TestContext, env: ClusterEnv, doc: Record<string, unknown>, n: number, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningGateway[]> {
  const out: RunningGateway[] = [];
  // Each replica spools request rows the store cannot take to a file of its own, inside this test's directory.
  const spools = mkdtempSync(join(tmpdir(), 'saima-spools-'));
  t.after(() => rmSync(spools, { recursive: true, force: true }));
  for (let i = 0; i < n; i++) {
    const replica = { ...doc, store_options: { spool_path: join(spools, `replica-${i}.jsonl`), ...(doc.store_options as object | undefined) } };
    const gw = await startServer(buildConfig(replicaDoc(env, replica), {}), { logger: false, env: opts.env ?? {} });
    t.after(() => gw.close());
    out.push(gw);
  }
  return out;
}

/** OpenAI clients that take turns over the replicas, like a round-robin load balancer. */
export function roundRobin(replicas: readonly RunningGateway[], apiKey = 'unused'): () => OpenAI {
  const clients = replicas.map((r) => new OpenAI({ baseURL: `${r.url}/v1`, apiKey, maxRetries: 0, timeout: 30_000 }));
  let i = 0;
  return () => clients[i++ % clients.length]!;
}

/** A gauge or counter value from a replica's /metrics (0 when absent). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** A replica as its own `saima serve` process, for tests that kill one with SIGKILL. */
export async function spawnReplica(t: TestContext, env: ClusterEnv, doc: Record<string, unknown>): Promise<{ url: string; child: ChildProcess }> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-replica-'));
  const file = join(dir, 'saima.json');
  writeFileSync(file, JSON.stringify(replicaDoc(env, doc)));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { url, child } = await serveChild(t, file, { args: ['--port', '0'] });
  return { url, child };
}

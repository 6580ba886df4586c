/**
 * Redis connections for clustered replicas and workers. The config names one URL; `?prefix=` namespaces every key
 * and channel Saima uses (default `saima:`), so several deployments, or parallel test files, can share a server.
 * Each role opens its own connection: a subscriber cannot send commands, and BullMQ workers block on theirs.
 *
 * `?cluster=1` speaks to a Redis Cluster (the URL names any one node). Saima's scripts touch several keys at once
 * (a request's rate-limit buckets and budget windows in one batch, a lease and its fence counter, a run's tally),
 * and Redis Cluster runs a script only when all its keys hash to one slot; so there the prefix must carry a hash
 * tag, e.g. `saima:{prod}:`, which puts every key of the deployment in one slot (BullMQ's keys too).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export interface RedisTarget {
  /** The URL without Saima's own query parameters. */
  url: string;
  /** Prepended to every key and channel, e.g. `saima:`. */
  prefix: string;
  /** A Redis Cluster: `prefix` then has a hash tag. */
  cluster: boolean;
}

export const DEFAULT_PREFIX = 'saima:';

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('redis: not a URL (use redis://[:PASSWORD@]HOST:PORT[/DB][?prefix=NAME:])');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`redis: unsupported scheme '${u.protocol}' (use redis:// or rediss://)`);
  const prefix = u.searchParams.get('prefix') ?? DEFAULT_PREFIX;
  const cluster = ['1', 'true', 'yes'].includes(u.searchParams.get('cluster') ?? '');
  u.searchParams.delete('prefix');
  u.searchParams.delete('cluster');
  if (cluster && hashTagOf(prefix) === null) {
    throw new Error(`redis: on a Redis Cluster the prefix needs a hash tag so every key lands in one slot, e.g. ?prefix=saima:{saima}: (got '${prefix}')`);
  }
  return { url: u.toString(), prefix, cluster };
}

/** The part of a key Redis Cluster hashes: what is between the first `{` and the next `}`, if not empty. */
export function hashTagOf(key: string): string | null {
  const open = key.indexOf('{');
  if (open < 0) return null;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : null;
}

/**
 * Connects and waits until the server answers, so a gateway with a wrong URL fails at start instead of on its
 * first request. Commands then fail after `commandTimeout` rather than queueing while Redis is away: admission
 * must fail closed and fast.
 */
export async function connectRedis(target: RedisTarget, opts: RedisOptions = {}): Promise<Redis> {
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 1,
    // Many concurrent requests each send one script: one socket write per event-loop turn carries them all.
    enableAutoPipelining: true,
    ...opts,
  };
  const redis = target.cluster ? clusterClient(target.url, options) : new Redis(target.url, options);
  // Without a listener ioredis prints reconnect errors to stderr; the failing command already reports them.
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    throw new Error(`redis: cannot reach ${redacted(target.url)}: ${(err as Error).message}`, { cause: err });
  }
  return redis;
}

/**
 * A Redis Cluster client typed as the single-node one: every command Saima sends names keys of one slot (the
 * prefix's hash tag), which the cluster client routes like any other, and BullMQ recognises it as a cluster.
 */
function clusterClient(url: string, options: RedisOptions): Redis {
  const u = new URL(url);
  const { lazyConnect, enableAutoPipelining, maxRetriesPerRequest, ...perNode } = options;
  const cluster = new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    lazyConnect,
    enableAutoPipelining,
    ...(maxRetriesPerRequest !== undefined ? { maxRetriesPerRequest } : {}),
    redisOptions: {
      ...perNode,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
  return cluster as unknown as Redis;
}

/** Closes politely, and gives up on a server that no longer answers. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timeout')), 1_000).unref())]);
  } catch {
    redis.disconnect();
  }
}

/** The URL as it may appear in a log or an error: no password. */
export function redacted(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

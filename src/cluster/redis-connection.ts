/**
 * Redis connections for clustered replicas and workers. The config names one URL; `?prefix=` namespaces every key
 * and channel Saima uses (default `saima:`), so several deployments, or parallel test files, can share a server.
 * Each role opens its own connection: a subscriber cannot send commands, and BullMQ workers block on theirs.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface RedisTarget {
  /** The URL without Saima's own query parameters. */
  url: string;
  /** Prepended to every key and channel, e.g. `saima:`. */
  prefix: string;
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
  u.searchParams.delete('prefix');
  return { url: u.toString(), prefix };
}

/**
 * Connects and waits until the server answers, so a gateway with a wrong URL fails at start instead of on its
 * first request. Commands then fail after `commandTimeout` rather than queueing while Redis is away: admission
 * must fail closed and fast.
 */
export async function connectRedis(target: RedisTarget, opts: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis(target.url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 1,
    // Many concurrent requests each send one script: one socket write per event-loop turn carries them all.
    enableAutoPipelining: true,
    ...opts,
  });
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

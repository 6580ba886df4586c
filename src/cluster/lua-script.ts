/**
 * A Lua script run atomically by Redis: EVALSHA by digest, and EVAL once when the server does not know it yet
 * (first use, or after a restart or SCRIPT FLUSH). Atomicity is the point: no other client's command runs
 * between a script's check and its write, on any replica.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** A script reply that must be an array of integers (Redis turns Lua numbers into integers by truncation). */
export function integers(reply: unknown): number[] {
  if (!Array.isArray(reply) || !reply.every((x) => typeof x === 'number')) throw new Error(`unexpected script reply: ${JSON.stringify(reply)}`);
  return reply as number[];
}

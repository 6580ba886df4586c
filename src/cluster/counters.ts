/**
 * The shared counters of a cluster — rate-limit buckets and budget windows — as one batched Lua script: every
 * admission, reservation and settle a replica makes in one event-loop turn reaches Redis as one EVALSHA, each
 * still atomic and in order.
 */
import type { Redis } from 'ioredis';
import { LuaBatch } from './lua-batch.js';
import type { RedisCircuit } from './redis-circuit.js';
import { BUDGET_FUNCTIONS } from './budget-scripts.js';
import { LIMIT_FUNCTIONS } from './redis-limits.js';

export type CounterFunction = keyof typeof LIMIT_FUNCTIONS | keyof typeof BUDGET_FUNCTIONS;
export type Counters = LuaBatch<CounterFunction>;

export function sharedCounters(redis: Redis, circuit: RedisCircuit | null = null): Counters {
  return new LuaBatch<CounterFunction>(redis, { ...LIMIT_FUNCTIONS, ...BUDGET_FUNCTIONS }, circuit);
}

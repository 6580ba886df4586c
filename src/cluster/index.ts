/** Cluster mode: what gateway replicas and eval workers share through Redis. */
export { GatewayCluster } from './gateway-cluster.js';
export { LeaderLease, type LeaderLeaseOptions } from './leader-lease.js';
export { RaceEvents, type RaceEvent } from './race-events.js';
export { AnnouncedRaceStates } from './announced-race-states.js';
export { RedisBudgets } from './redis-budgets.js';
export { RedisRateLimits } from './redis-limits.js';
export { connectRedis, closeRedis, parseRedisUrl, redacted, DEFAULT_PREFIX, type RedisTarget } from './redis-connection.js';
export { readiness, type Readiness } from './readiness.js';
export { sharedCounters, type Counters } from './counters.js';
export { LuaBatch } from './lua-batch.js';

/**
 * The batched counter script on a real Redis: calls made in one turn go as one EVALSHA with their arguments packed
 * into one string, and each call still gets exactly its own keys, its own arguments (empty ones included) and its
 * own answer or error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LuaBatch } from '../../src/cluster/lua-batch.js';
import { watchRedisCommands } from '../support/redis-monitor.js';
import { REDIS_URL, clusterEnv } from './cluster-harness.js';

test('one batch carries each call its own keys, arguments and answer', async (t) => {
  const { redis, prefix } = await clusterEnv(t);
  const batch = new LuaBatch(redis, {
    echo: `return {#KEYS, KEYS[1] or '', #ARGV, unpack(ARGV)}`,
    incr: `return redis.call('INCRBY', KEYS[1], ARGV[1])`,
    fail: `return redis.call('NOSUCHCOMMAND')`,
  });
  // Watch what this connection sends: other test files share the server, so its global counters say nothing.
  const watch = await watchRedisCommands(REDIS_URL);
  t.after(() => watch.close());
  const k = `${prefix}n`;
  const answers = await Promise.allSettled([
    batch.call('echo', [`${prefix}a`, `${prefix}b`], ['x', '', 42, '-7.5', 'tail']),
    batch.call('incr', [k], [5]),
    batch.call('fail', [], []),
    batch.call('echo', [], []),
    batch.call('incr', [k], [-2]),
    batch.call('echo', [`${prefix}c`], ['has \x1f inside']),
    batch.call('echo', [`${prefix}d`], ['', '']),
  ]);
  await watch.caughtUp(redis);

  assert.deepEqual(answers[0], { status: 'fulfilled', value: [2, `${prefix}a`, 5, 'x', '', '42', '-7.5', 'tail'] });
  assert.deepEqual(answers[1], { status: 'fulfilled', value: 5 });
  assert.equal(answers[2].status, 'rejected');
  assert.match(String((answers[2] as PromiseRejectedResult).reason), /redis script: .*Unknown Redis command/i);
  assert.deepEqual(answers[3], { status: 'fulfilled', value: [0, '', 0] });
  assert.deepEqual(answers[4], { status: 'fulfilled', value: 3 }, 'calls run in order: 5 then -2');
  assert.equal(answers[5].status, 'rejected', 'an argument holding the separator is refused, not split');
  assert.match(String((answers[5] as PromiseRejectedResult).reason), /field separator/);
  assert.deepEqual(answers[6], { status: 'fulfilled', value: [1, `${prefix}d`, 2, '', ''] });
  assert.equal(await redis.get(k), '3');
  const scripts = watch.scriptsOf(redis).map((c) => c.args[0]!.toLowerCase());
  // Seven calls, one script run: one EVALSHA, or EVALSHA then EVAL when the server did not know the script yet.
  assert.ok(scripts.length === 1 || (scripts.length === 2 && scripts[1] === 'eval'), `scripts sent for the batch: ${scripts.join(', ')}`);
});

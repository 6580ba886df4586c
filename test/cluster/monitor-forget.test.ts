/**
 * A replica that loses the monitor lease and later takes it again decides from the stored race state, not from
 * what its policy remembered: here a bandit's last re-weight. Replica A re-weights, loses the lease, replica B
 * re-weights after it, and A, leading again, waits the epoch from B's re-weight instead of its own. (Re-weights come
 * in doubling epochs: the second at least 2 × `min_step_s` after the first, the third 4 × after the second.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaderLease } from '../../src/cluster/leader-lease.js';
import { buildConfig } from '../../src/config/load.js';
import { RaceMonitor } from '../../src/race/monitor.js';
import { RaceBook } from '../../src/race/race-book.js';
import { RaceStates } from '../../src/race/race-states.js';
import { SeededRandom } from '../../src/stats/index.js';
import { openStore } from '../../src/store/index.js';
import { requestRow } from '../store/rows.js';
import { clusterEnv } from './cluster-harness.js';

const S = 1000;

test('a replica that regains the monitor lease re-weights from the decision log, not from its stale memory', async (t) => {
  const env = await clusterEnv(t);
  const mock = { provider: 'mock', model: 'm', price: { input: 1, output: 2 }, mock: {} };
  const config = buildConfig({
    store: env.storeUrl,
    contenders: { m: mock, c: mock },
    races: { r: { champion: 'm', challengers: [{ contender: 'c', weight: 50 }], policy: { type: 'bandit', primary: 'error_rate', min_samples: 20, min_step_s: 100, bandit_floor: 0.05, bandit_guard_floor: 0.05 } } },
  }, {});
  const store = await openStore(config.store);
  t.after(() => store.close());
  const clock = { now: 1_700_000_000_000 };
  const now = () => clock.now;

  /** One replica: its own race states, lease and monitor, wired as the gateway wires them. */
  async function replica(seed: number) {
    const states = new RaceStates(store, config, new RaceBook(config), now);
    await states.init();
    const lease = new LeaderLease(env.redis, env.prefix, { name: 'monitor', ttlMs: 60_000 });
    const monitor = new RaceMonitor({ config, store, raceStates: states, now, random: new SeededRandom(seed), isLeader: () => lease.isLeader() });
    lease.onAcquired(() => monitor.forget());
    t.after(() => lease.stop({ release: false }));
    return { lease, monitor };
  }
  const a = await replica(1);
  const b = await replica(2);
  /** The holder's lease lapses (e.g. it was paused past its TTL), so another can take it. */
  const lapse = () => env.redis.del(`${env.prefix}lease:monitor`);

  let seq = 0;
  const traffic = (contender: string, n: number, errors: number) =>
    Promise.all(Array.from({ length: n }, (_, i) => store.requestLog.append(requestRow({
      id: `q${seq++}`, ts: clock.now, race: 'r', contender, fallbackFrom: null, userHash: null, costNanos: 1000, currency: 'CNY',
      ...(i < errors ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
    }))));
  const reweights = async () => (await store.decisions.list('r', { limit: 100 })).filter((d) => d.action === 'ramp' && d.contender === null).length;
  const reader = new RaceStates(store, config, new RaceBook(config), now);
  await reader.init();
  const weightOfC = async () => {
    await reader.refresh();
    return reader.get('r')!.challengers.find((c) => c.contender === 'c')!.weight;
  };

  // (The guard floor is the bandit floor here: this test is about epochs and memory, not floors.)
  // A sticky race's user-level evidence settles a commit delay (30 s) after the requests end: each tick below comes
  // 31 s after the traffic it decides on.
  const settle = () => (clock.now += 31 * S);
  // A leads and moves traffic to the challenger, which errs far less.
  clock.now += S;
  assert.equal(await a.lease.attempt(), true);
  await traffic('m', 100, 60);
  await traffic('c', 100, 0);
  settle();
  await a.monitor.tick();
  assert.equal(await reweights(), 1, 'A re-weighted');
  assert.ok((await weightOfC()) > 80, `towards c: ${await weightOfC()}%`);

  // A's lease lapses; B leads and, 201 s after A's re-weight (its epoch is 200 s), with c now the worse arm, moves
  // traffic back.
  clock.now += 170 * S;
  await lapse();
  assert.equal(await b.lease.attempt(), true);
  assert.equal(await a.lease.attempt(), false, 'A lost the lease');
  await traffic('c', 400, 350);
  settle();
  await b.monitor.tick();
  assert.equal(await reweights(), 2, 'B re-weighted');
  const afterB = await weightOfC();
  assert.ok(afterB < 20, `back towards m: ${afterB}%`);

  // 237 s after B's re-weight (438 s after A's own), the evidence turns again and A leads again. The third epoch is
  // 400 s: remembering only its own re-weight, A would move at once; from the log it knows the last one was 237 s
  // ago and waits.
  clock.now += 206 * S;
  await lapse();
  assert.equal(await a.lease.attempt(), true, 'A leads again');
  await traffic('m', 1000, 950);
  settle();
  await a.monitor.tick();
  assert.equal(await reweights(), 2, 'no re-weight within the epoch of the last one, whoever made it');
  assert.equal(await weightOfC(), afterB);

  // Once the epoch has passed since B's re-weight, A moves.
  clock.now += 164 * S;
  await a.monitor.tick();
  assert.equal(await reweights(), 3, 'A re-weights once due');
  assert.ok((await weightOfC()) > 80, `towards c again: ${await weightOfC()}%`);
});

/**
 * The race monitor's evidence read on a thread of its own (what the gateway runs) is the evidence read on the
 * calling thread, tick after tick, on both databases, and so are the decisions taken from it; rows that wait for
 * their group commit at a tick are counted by the next. When the thread dies, the monitor keeps deciding: the read
 * moves to a fresh thread, or, once threads keep dying, to the calling thread, and each is logged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { EvidenceReader } from '../../src/race/monitor-evidence.js';
import { EvidenceWorker, canReadOffThread } from '../../src/race/monitor-evidence-worker.js';
import { decide, emptyMemory } from '../../src/race/policies/index.js';
import { SeededRandom } from '../../src/stats/index.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

const sticky = { champion: 'champ', challengers: [{ contender: 'chal', weight: 30 }], sticky: true, policy: { type: 'canary', min_samples: 30, min_step_s: 30 } };

for (const dialect of testDialects()) {
  test(`evidence read on the monitor's thread equals evidence read on the caller's, and decides the same (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { s: sticky });
    const race = rig.config.races.get('s')!;
    const state = rig.states.get('s')!;
    const logs: string[] = [];
    const here = new EvidenceReader(rig.store, rig.config);
    const there = new EvidenceWorker({ url: rig.store.url, config: rig.config, fallback: rig.store, log: (msg) => logs.push(msg) });
    // Another thread that also reads while rows wait for their group commit (its sums then add up in another order).
    const eager = new EvidenceWorker({ url: rig.store.url, config: rig.config, fallback: rig.store, log: (msg) => logs.push(msg) });
    t.after(() => Promise.all([there.close(), eager.close()]));
    // As the monitor does when it starts: the threads start, and every read below is theirs.
    await Promise.all([there.warm(), eager.warm()]);
    const random = new SeededRandom(7);
    let id = 0;
    const since = state.challengers[0]!.since;
    // Each user's history on the champion before the race (the pre-race covariates), then traffic in both lanes:
    // users who differ, anonymous rows, late rows (started up to 15 s before they are written), failures that a
    // fallback rescued, ratings; the challenger fails more often.
    const rows = (n: number, at: number, history = false) => Array.from({ length: n }, () => {
      const user = random.next() < 0.15 ? null : `u${Math.floor(random.next() * 60)}`;
      const arm = history || random.next() < 0.6 ? 'champ' : 'chal';
      const failed = random.next() < (arm === 'chal' ? 0.3 : 0.03);
      const rescued = failed && arm === 'chal' && random.next() < 0.3;
      return requestRow({
        id: `t${id++}`, ts: at - Math.floor(random.next() * 15_000), race: 's', contender: rescued ? 'champ' : arm, fallbackFrom: rescued ? 'chal' : null,
        userHash: user, latencyMs: 200 + Math.floor(random.next() * 800), ttftMs: random.next() < 0.2 ? null : 50 + Math.floor(random.next() * 100),
        costNanos: Math.floor(random.next() * 100_000), currency: 'CNY',
        ...(failed && !rescued ? { outcome: 'error' as const, errorCode: 'upstream_error', status: 502 } : {}),
      });
    });
    await Promise.all(rows(300, since - 3_600_000, true).map((r) => rig.store.requestLog.append(r)));
    let decided = 0;
    for (let tick = 0; tick < 8; tick++) {
      rig.clock.now += 20_000;
      const batch = rows(150, rig.clock.now);
      const appended = Promise.all(batch.map((r) => rig.store.requestLog.append(r)));
      for (const r of batch.filter((_, k) => k % 4 === 0)) {
        await rig.store.feedback.insertFeedback({ id: `f${r.id}`, ts: rig.clock.now, requestId: r.id, race: 's', contender: r.fallbackFrom ?? r.contender!, team: null, keyId: null, score: random.next() < 0.5 ? 1 : -1, comment: null });
      }
      // A read while the rows wait for their group commit: whatever it saw of them, the next read sees them all.
      await eager.read(race, state, rig.clock.now);
      await appended;
      await rig.store.requestLog.flush();
      const a = await here.read(race, state, rig.clock.now);
      const b = await there.read(race, state, rig.clock.now);
      assert.deepStrictEqual(b, a, `tick ${tick}: the same evidence`);
      const verdict = (e: typeof a) => decide({ race, state, evidence: e, now: rig.clock.now, memory: emptyMemory(), fx: rig.config.fx, random: new SeededRandom(1) });
      const [va, vb] = [verdict(a), verdict(b)];
      assert.deepStrictEqual(vb, va, `tick ${tick}: the same verdict`);
      decided += va.changes.length;
    }
    rig.clock.now += 1000;
    const [whole, late] = [await here.read(race, state, rig.clock.now), await eager.read(race, state, rig.clock.now)];
    const arms = [...whole.windows.values()][0]!;
    assert.equal(arms.get('champ')!.requests + arms.get('chal')!.requests, 8 * 150, 'every row of the window counted');
    for (const arm of ['champ', 'chal']) {
      const [x, y] = [arms.get(arm)!, [...late.windows.values()][0]!.get(arm)!];
      assert.deepEqual([y.requests, y.errors, y.logLatency.n, y.units!.errors.units, y.units!.errors.n], [x.requests, x.errors, x.logLatency.n, x.units!.errors.units, x.units!.errors.n], `${arm}: no row missed by the reader that read while rows waited`);
    }
    assert.deepEqual(late.assignment, whole.assignment);
    assert.ok(decided > 0, 'the verdicts change something (the failing challenger is rolled back)');
    assert.deepEqual(logs, [], 'the thread never died');
  });
}

test('a read before the thread has ever started is made on the calling thread; once it has, every read is the thread\'s', async (t) => {
  const rig = await monitorRig(t, 'sqlite', { bad: { champion: 'champ', challengers: [{ contender: 'flaky', weight: 10 }], sticky: false, policy: { type: 'canary' } } });
  const race = rig.config.races.get('bad')!;
  const calls: string[] = [];
  // The calling thread's store, counting what is read through it.
  const requests = new Proxy(rig.store.requests, {
    get: (target, name, receiver) => {
      const v = Reflect.get(target, name, receiver) as unknown;
      return typeof v === 'function' ? (...args: unknown[]) => (calls.push(String(name)), (v as (...a: unknown[]) => unknown).apply(target, args)) : v;
    },
  });
  const worker = new EvidenceWorker({ url: rig.store.url, config: rig.config, fallback: { ...rig.store, requests } });
  t.after(() => worker.close());
  await rig.traffic('bad', 'champ', 50, 1);
  const early = await worker.read(race, rig.states.get('bad')!, rig.clock.now);
  assert.ok(calls.length > 0, 'read here: the thread was not started');
  await worker.warm();
  calls.length = 0;
  const late = await worker.read(race, rig.states.get('bad')!, rig.clock.now);
  assert.deepEqual(calls, [], 'read on the thread');
  assert.deepStrictEqual(late, early);
  assert.equal([...late.windows.values()][0]!.get('champ')!.requests, 50);
});

test('an in-memory SQLite database is read on the calling thread; a file or PostgreSQL off it', () => {
  assert.equal(canReadOffThread('sqlite::memory:'), false);
  assert.equal(canReadOffThread('sqlite:/var/lib/saima/saima.db'), true);
  assert.equal(canReadOffThread('postgres://u@h/db?schema=s'), true);
  assert.throws(() => new EvidenceWorker({ url: 'sqlite::memory:', config: { fx: { CNY: 1, USD: 7 }, contenders: new Map() }, fallback: null as never }), /in-memory/);
});

/** A race whose challenger fails a fifth of its requests: the monitor rolls it back at its first tick with the traffic. */
const flaky = { champion: 'champ', challengers: [{ contender: 'flaky', weight: 10 }], sticky: false, policy: { type: 'canary', ramp: [10, 50], min_samples: 50, min_step_s: 30 } };

for (const dialect of testDialects()) {
  test(`the monitor keeps deciding when its evidence thread dies: the read goes to a fresh thread, logged (${dialect})`, async (t) => {
    const logs: string[] = [];
    let evidence: EvidenceWorker | null = null;
    const rig = await monitorRig(t, dialect, { bad: flaky }, {
      evidence: (store, config) => (evidence = new EvidenceWorker({ url: store.url, config, fallback: store, log: (msg, fields) => logs.push(`${msg} ${JSON.stringify(fields)}`) })),
    });
    await evidence!.warm();
    await rig.traffic('bad', 'champ', 900, 9);
    await rig.traffic('bad', 'flaky', 100, 20);
    rig.clock.now += 60_000;
    // The thread is killed while it holds the tick's read.
    const tick = rig.monitor.tick();
    await sleep(50);
    await evidence!.terminateThread();
    await tick;
    const [rollback] = await rig.store.decisions.list('bad');
    assert.equal(rollback?.action, 'rollback', `decided despite the death; status: ${JSON.stringify(rig.monitor.status('bad'))}`);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0]!, /evidence thread exited; the next read starts a fresh one .*exited with code \d+/);
    assert.equal(evidence!.fellBack, false);
  });
}

test('a thread that keeps dying sends the reads back to the calling thread, which decides and says so in the log', async (t) => {
  const logs: string[] = [];
  let evidence: EvidenceWorker | null = null;
  const rig = await monitorRig(t, 'sqlite', { bad: flaky }, {
    evidence: (store, config) => (evidence = new EvidenceWorker({ url: store.url, config, fallback: store, maxRestarts: 1, log: (msg) => logs.push(msg) })),
  });
  await evidence!.warm();
  await rig.traffic('bad', 'champ', 900, 9);
  rig.clock.now += 5000;
  await rig.monitor.tick();
  assert.equal(rig.monitor.status('bad')?.ok, true);
  // Two deaths in a row without a read answered in between: the first restarts, the second falls back. (A thread
  // that replaces a dead one is waited for: the reads stay off this thread while it starts.)
  await evidence!.terminateThread();
  await rig.monitor.tick();
  await evidence!.terminateThread();
  assert.equal(evidence!.fellBack, false, 'a thread that answered in between resets the count');
  rig.clock.now += 5000;
  const tick = rig.monitor.tick();
  await sleep(50);
  await evidence!.terminateThread();
  await tick;
  assert.equal(evidence!.fellBack, true);
  assert.deepEqual(logs.map((l) => l.replace(/;.*/, '')), ['race monitor evidence thread exited', 'race monitor evidence thread exited', 'race monitor evidence thread keeps exiting']);
  assert.match(logs[2]!, /gateway's thread/);
  await rig.traffic('bad', 'flaky', 100, 20);
  rig.clock.now += 60_000;
  await rig.monitor.tick();
  const [rollback] = await rig.store.decisions.list('bad');
  assert.equal(rollback?.action, 'rollback', 'decided on the calling thread');
});

/**
 * A monitor tick folds only what arrived since the previous one into its per-user books, per-arm moments and
 * sample-ratio tally; whatever the order rows arrive in, late ones and rescued ones included, the result must equal
 * what a reader that has never seen the race builds from the whole window at that moment. Property-based: random
 * traffic (users and anonymous rows, every outcome, starts up to ten minutes before the row is written, ratings),
 * random ticks, on both databases. And on SQLite a tick reads the new rows of the request log once, for the books
 * and the tally alike; on PostgreSQL the per-user slice comes as the books' sums alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { ArmEvidence, RaceEvidence } from '../../src/race/evidence.js';
import { EvidenceReader, type EvidenceStore } from '../../src/race/monitor-evidence.js';
import type { RaceState } from '../../src/race/race-state.js';
import { UNIT_METRICS } from '../../src/race/unit-book.js';
import { testDialects } from '../support/databases.js';
import { requestRow } from '../store/rows.js';
import { monitorRig } from './monitor-support.js';

const ARMS = ['champ', 'chal', 'old'] as const;
const OUTCOMES = ['ok', 'ok-length', 'error', 'cut', 'client_closed'] as const;

const requestArb = fc.record({
  kind: fc.constant('request' as const),
  arm: fc.constantFrom(...ARMS),
  rescued: fc.boolean(),
  user: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null, freq: 4 }),
  outcome: fc.constantFrom(...OUTCOMES),
  latencyMs: fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 3000, max: 600_000 })),
  ttftMs: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
  endedAgoMs: fc.integer({ min: 0, max: 20_000 }),
  costNanos: fc.integer({ min: 0, max: 5_000_000 }),
  rating: fc.option(fc.constantFrom(-1, 1), { nil: null, freq: 2 }),
});
const tickArb = fc.record({ kind: fc.constant('tick' as const), advanceMs: fc.integer({ min: 1000, max: 40_000 }) });
// One currency per run: an arm whose rows mix currencies has its request-level cost converted at one rate (that of
// its least currency), per part of the window read, which is outside what this test is about.
const scheduleArb = fc.record({
  usd: fc.boolean(),
  events: fc.array(fc.oneof({ arbitrary: requestArb, weight: 4 }, { arbitrary: tickArb, weight: 1 }), { minLength: 5, maxLength: 45 }),
});

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b)) + 1e-12, `${what}: ${a} (incremental) vs ${b} (whole window)`);
}

function sameArm(a: ArmEvidence, b: ArmEvidence, what: string): void {
  for (const k of ['requests', 'errors', 'cuts', 'truncations'] as const) assert.equal(a[k], b[k], `${what}.${k}`);
  for (const k of ['logLatency', 'logTtft', 'cost', 'feedback', 'judge'] as const) {
    assert.equal(a[k].n, b[k].n, `${what}.${k}.n`);
    close(a[k].sum, b[k].sum, `${what}.${k}.sum`);
    close(a[k].sumSquares, b[k].sumSquares, `${what}.${k}.sumSquares`);
  }
  assert.equal(Boolean(a.units), Boolean(b.units), `${what}: user-level evidence on both sides`);
  if (!a.units || !b.units) return;
  for (const m of UNIT_METRICS) for (const k of ['units', 'y', 'n', 'yy', 'nn', 'yn', 'nnn'] as const) close(a.units[m][k], b.units[m][k], `${what}.units.${m}.${k}`);
}

function sameEvidence(a: RaceEvidence, b: RaceEvidence, what: string): void {
  assert.deepEqual([...a.windows.keys()].sort(), [...b.windows.keys()].sort(), `${what}: windows`);
  for (const [since, arms] of a.windows) {
    const other = b.windows.get(since)!;
    for (const name of new Set([...arms.keys(), ...other.keys()])) {
      const x = arms.get(name);
      const y = other.get(name);
      // An arm absent on one side must be empty on the other.
      if (!x || !y) assert.equal((x ?? y)!.requests + (x ?? y)!.cost.n, 0, `${what}: ${name} only on one side`);
      else sameArm(x, y, `${what} ${name}`);
    }
  }
  assert.deepEqual(a.assignment && { since: a.assignment.since, units: [...a.assignment.units].sort() }, b.assignment && { since: b.assignment.since, units: [...b.assignment.units].sort() }, `${what}: sample-ratio units`);
}

for (const dialect of testDialects()) {
  test(`a tick's incremental evidence equals a whole-window read, whatever arrives when (${dialect})`, async (t) => {
    const rig = await monitorRig(t, dialect, { s: { champion: 'champ', challengers: [{ contender: 'chal', weight: 30 }, { contender: 'old', weight: 10 }], sticky: true, policy: { type: 'canary' } } });
    const race = rig.config.races.get('s')!;
    // Counts the request-log reads of the incremental reader, tick by tick.
    const calls: string[] = [];
    const requests = new Proxy(rig.store.requests, {
      get(target, name, receiver) {
        const v = Reflect.get(target, name, receiver) as unknown;
        return typeof v === 'function' ? (...args: unknown[]) => (calls.push(String(name)), (v as (...a: unknown[]) => unknown).apply(target, args)) : v;
      },
    });
    const counted: EvidenceStore = { requests, feedback: rig.store.feedback, battles: rig.store.battles };
    let run = 0;
    let id = 0;
    await fc.assert(
      fc.asyncProperty(scheduleArb, async ({ usd, events }) => {
        // Each run has a window of its own, far after the previous run's rows.
        const since = rig.states.get('s')!.challengers[0]!.since + ++run * 86_400_000;
        const base = rig.states.get('s')!;
        const state: RaceState = {
          ...base, championSince: since,
          challengers: [{ ...base.challengers[0]!, since, status: 'active' }, { ...base.challengers[1]!, since, status: 'rolled_back', weight: 0 }],
        };
        const reader = new EvidenceReader(counted, rig.config);
        let clock = since + 300_000;
        let ticks = 0;
        for (const e of [...events, { kind: 'tick' as const, advanceMs: 5000 }]) {
          if (e.kind === 'request') {
            const ended = clock - e.endedAgoMs;
            const rowId = `i${id++}`;
            const rescued = e.rescued && e.arm !== 'champ';
            await rig.store.requestLog.append(requestRow({
              id: rowId, ts: ended - e.latencyMs, race: 's', contender: rescued ? 'champ' : e.arm, fallbackFrom: rescued ? e.arm : null,
              userHash: e.user === null ? null : `user-${e.user}`, latencyMs: e.latencyMs, ttftMs: e.ttftMs, costNanos: e.costNanos, currency: usd ? 'USD' : 'CNY',
              outcome: e.outcome === 'ok-length' ? 'ok' : e.outcome === 'client_closed' ? 'error' : e.outcome,
              finishReason: e.outcome === 'ok-length' ? 'length' : 'stop',
              errorCode: e.outcome === 'client_closed' ? 'client_closed' : e.outcome === 'error' ? 'upstream_error' : null,
            }));
            if (e.rating !== null) {
              await rig.store.feedback.insertFeedback({ id: `g${id++}`, ts: clock - (e.endedAgoMs >> 1), requestId: rowId, race: 's', contender: e.arm, team: null, keyId: null, score: e.rating, comment: null });
            }
            continue;
          }
          clock += e.advanceMs;
          await rig.store.requestLog.flush();
          calls.length = 0;
          const incremental = await reader.read(race, state, clock);
          const reads = calls.filter((c) => c !== 'lastRow');
          if (ticks++ > 0 && dialect === 'sqlite') assert.ok(reads.length <= 1 && reads.every((c) => c === 'insertedRows'), `a later tick reads the new rows once: ${reads.join(', ')}`);
          if (ticks > 1 && dialect === 'postgres') assert.ok(!reads.includes('userMoments'), `a later tick's per-user slice is the books' sums: ${reads.join(', ')}`);
          const whole = await new EvidenceReader(rig.store, rig.config).read(race, state, clock);
          sameEvidence(incremental, whole, `run ${run}, tick ${ticks} at +${clock - since} ms`);
        }
      }),
      { numRuns: dialect === 'sqlite' ? 40 : 5, seed: 20261206 },
    );
  });
}

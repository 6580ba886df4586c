import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BudgetLedger, type BudgetDef, type BudgetEvent } from '../../src/metering/budgets.js';
import { periodKey, periodStart } from '../../src/metering/periods.js';

const FX = { CNY: 1, USD: 7 } as const;

function budget(over: Partial<BudgetDef> = {}): BudgetDef {
  return { name: 'team-a-day', scope: { team: 'a' }, period: 'day', limitNanos: 1_000, currency: 'CNY', softRatio: 0.8, downgradeTo: null, webhook: null, ...over };
}

test('reservations that would pass the limit are refused; settling frees the difference', () => {
  const ledger = new BudgetLedger([budget()], { timeZone: 'UTC', fx: FX, now: () => Date.UTC(2026, 10, 29, 12) });
  const ctx = { team: 'a', keyId: 'k', contender: 'c', race: null };
  const held = [];
  for (let i = 0; i < 4; i++) {
    const r = ledger.reserve(ctx, 250, 'CNY');
    assert.ok('holds' in r);
    held.push(r);
  }
  assert.ok('exceeded' in ledger.reserve(ctx, 1, 'CNY'));
  ledger.settle(held[0]!, 100, 'CNY');
  assert.ok('holds' in ledger.reserve(ctx, 150, 'CNY'), '150 freed by settling 100 of 250');
  assert.ok('exceeded' in ledger.reserve(ctx, 1, 'CNY'));
  assert.ok('holds' in ledger.reserve({ ...ctx, team: 'b' }, 10_000, 'CNY'), 'another team is not covered');
});

test('currencies convert through the FX table; the soft threshold fires once per period', () => {
  const events: BudgetEvent[] = [];
  let now = Date.UTC(2026, 10, 29, 23, 59);
  const ledger = new BudgetLedger([budget({ currency: 'USD', limitNanos: 1_000 })], { timeZone: 'UTC', fx: FX, now: () => now, onEvent: (e) => events.push(e) });
  const ctx = { team: 'a', keyId: null, contender: 'c', race: null };
  const r = ledger.reserve(ctx, 7_000, 'CNY'); // = 1,000 USD nanos: exactly the limit
  assert.ok('holds' in r);
  assert.ok('exceeded' in ledger.reserve(ctx, 7, 'CNY'));
  ledger.settle(r, 6_000, 'CNY');
  ledger.settle(ledger.reserve(ctx, 7, 'CNY') as never, 7, 'CNY');
  assert.equal(events.length, 1);
  assert.equal(events[0]!.kind, 'soft_threshold');
  now = Date.UTC(2026, 10, 30, 0, 1);
  assert.equal(ledger.status()[0]!.spentNanos, 0, 'a new day starts from zero');
});

test('day and month periods follow the configured time zone', () => {
  const t = Date.UTC(2026, 10, 29, 17, 30); // 01:30 on the 30th in Shanghai
  assert.equal(periodKey(t, 'day', 'UTC'), '2026-11-29');
  assert.equal(periodKey(t, 'day', 'Asia/Shanghai'), '2026-11-30');
  assert.equal(periodKey(t, 'month', 'Asia/Shanghai'), '2026-11');
  assert.equal(periodStart(t, 'day', 'Asia/Shanghai'), Date.UTC(2026, 10, 29, 16));
  assert.equal(periodStart(t, 'month', 'UTC'), Date.UTC(2026, 10, 1));
  assert.equal(periodStart(Date.UTC(2026, 2, 30, 12), 'month', 'Europe/Berlin'), Date.UTC(2026, 1, 28, 23), 'month start across a DST change');
});

test('a new period starts at local midnight to the millisecond, in a zone whose midnight is not a whole UTC hour', () => {
  // Asia/Kathmandu is UTC+5:45: its midnight falls at 18:15 UTC.
  const midnight = Date.UTC(2026, 11, 6, 18, 15);
  let now = midnight - 30_000;
  const events: BudgetEvent[] = [];
  const ledger = new BudgetLedger([budget({ limitNanos: 100 })], { timeZone: 'Asia/Kathmandu', fx: FX, now: () => now, onEvent: (e) => events.push(e) });
  const ctx = { team: 'a', keyId: null, contender: 'x', race: null };
  const first = ledger.reserve(ctx, 60, 'CNY');
  assert.ok('holds' in first);
  ledger.settle(first, 60, 'CNY');
  now = midnight - 1;
  assert.ok('exceeded' in ledger.reserve(ctx, 60, 'CNY'), 'the last millisecond of the day still counts the day');
  now = midnight;
  const next = ledger.reserve(ctx, 60, 'CNY');
  assert.ok('holds' in next, 'the first millisecond of the next day starts at nothing');
  assert.equal(next.holds[0]!.period, '2026-12-07');
  // Time stepping back (a corrected clock) finds the earlier day again, with what it spent.
  now = midnight - 5_000;
  assert.deepEqual(ledger.status().map((s) => [s.period, s.spentNanos]), [['2026-12-06', 60]]);
});

test('a clock stepped back across midnight and forward again forgets neither day: no budget is spent twice', () => {
  const midnight = Date.UTC(2026, 11, 6, 16); // 00:00 on the 7th in Shanghai
  let now = midnight - 60_000;
  const ledger = new BudgetLedger([budget({ limitNanos: 100 })], { timeZone: 'Asia/Shanghai', fx: FX, now: () => now });
  const ctx = { team: 'a', keyId: null, contender: 'x', race: null };
  const spend = (nanos: number): boolean => {
    const r = ledger.reserve(ctx, nanos, 'CNY');
    if (!('holds' in r)) return false;
    ledger.settle(r, nanos, 'CNY');
    return true;
  };
  assert.ok(spend(70), 'the 6th: 70 of 100');
  now = midnight + 1_000;
  assert.ok(spend(70), 'the 7th starts at nothing: 70 of 100');
  // The clock is corrected back into the 6th (an NTP step), then runs on into the 7th.
  now = midnight - 2_000;
  assert.ok(!spend(70), 'the 6th still holds its 70');
  assert.deepEqual(ledger.status().map((s) => [s.period, s.spentNanos]), [['2026-12-06', 70]]);
  now = midnight + 61_000;
  assert.ok(!spend(70), 'the 7th still holds its 70');
  assert.ok(spend(30));
  assert.deepEqual(ledger.status().map((s) => [s.period, s.spentNanos]), [['2026-12-07', 100]]);
});

test('a hold taken in one day and settled after the clock stepped back into the day before is released from its own day', () => {
  const midnight = Date.UTC(2026, 11, 6, 16);
  let now = midnight + 1_000;
  const ledger = new BudgetLedger([budget({ limitNanos: 100 })], { timeZone: 'Asia/Shanghai', fx: FX, now: () => now });
  const ctx = { team: 'a', keyId: null, contender: 'x', race: null };
  const held = ledger.reserve(ctx, 90, 'CNY');
  assert.ok('holds' in held);
  now = midnight - 1_000;
  assert.deepEqual(ledger.status().map((s) => [s.period, s.spentNanos]), [['2026-12-06', 0]], 'meanwhile the 6th is current');
  ledger.settle(held, 10, 'CNY');
  now = midnight + 2_000;
  assert.deepEqual(ledger.status().map((s) => [s.period, s.spentNanos, s.reservedNanos]), [['2026-12-07', 10, 0]], 'the hold released, the cost charged to the 7th');
  assert.ok('holds' in ledger.reserve(ctx, 90, 'CNY'));
});

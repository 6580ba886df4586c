/**
 * periodKey keeps its last answer for a clock minute. Walking across local midnights (and month ends, and DST
 * changes) in zones with whole-hour, half-hour and 45-minute offsets, each key must equal a fresh formatting.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { periodKey } from '../../src/metering/periods.js';

function freshKey(ms: number, period: 'day' | 'month', timeZone: string): string {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(ms).map((x) => [x.type, x.value]),
  );
  return period === 'month' ? `${p.year}-${p.month}` : `${p.year}-${p.month}-${p.day}`;
}

test('cached period keys match a fresh formatting at every millisecond step around local midnights', () => {
  const zones = ['UTC', 'Asia/Shanghai', 'Asia/Kathmandu', 'America/St_Johns', 'Australia/Lord_Howe', 'America/New_York'];
  // Month ends and DST switches in 2026 (New York 8 Mar / 1 Nov, Lord Howe 5 Apr / 4 Oct, St John's 8 Mar / 1 Nov).
  const anchors = ['2026-01-31T00:00:00Z', '2026-03-08T00:00:00Z', '2026-04-05T00:00:00Z', '2026-10-04T00:00:00Z', '2026-11-01T00:00:00Z', '2026-11-30T00:00:00Z'];
  let checked = 0;
  for (const tz of zones) {
    for (const a of anchors) {
      const base = Date.parse(a);
      // 36 hours in 61-second steps, plus the milliseconds either side of every whole minute.
      for (let t = base - 18 * 3_600_000; t < base + 18 * 3_600_000; t += 61_000) {
        const minute = Math.floor(t / 60_000) * 60_000;
        for (const ms of [t, minute - 1, minute]) {
          for (const period of ['day', 'month'] as const) {
            assert.equal(periodKey(ms, period, tz), freshKey(ms, period, tz), `${tz} ${period} at ${new Date(ms).toISOString()}`);
            checked++;
          }
        }
      }
    }
  }
  assert.ok(checked > 100_000);
});

/**
 * `time_zone` is checked as `Intl.DateTimeFormat` would accept it, but a config naming UTC or a canonical IANA zone
 * is checked without constructing one (the first costs the process ~5 MB of ICU data, resident for good).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { buildConfig, ConfigError } from '../../src/config/load.js';
import { isTimeZone } from '../../src/config/time-zone.js';

function acceptedByIntl(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const ODD = ['UTC', 'utc', 'Etc/UTC', 'etc/utc', 'GMT', 'Etc/GMT', 'Etc/GMT+8', 'Etc/GMT-14', 'Etc/GMT+13', 'Asia/Calcutta', 'asia/shanghai',
  'US/Pacific', 'PRC', 'Zulu', 'UCT', '+08:00', '-0530', 'Z', '', ' ', 'Asia/Shanghai ', 'Mars/Olympus', 'Asia/', '/', 'Europe/Kyiv', 'Europe/Kiev', 'EST5EDT', 'Local'];

test('a name is a time zone exactly when Intl.DateTimeFormat accepts it', () => {
  for (const tz of [...Intl.supportedValuesOf('timeZone'), ...ODD]) assert.equal(isTimeZone(tz), acceptedByIntl(tz), JSON.stringify(tz));
  fc.assert(fc.property(fc.string({ maxLength: 24 }), (tz) => isTimeZone(tz) === acceptedByIntl(tz)), { numRuns: 2000 });
});

test('a config in UTC or a canonical zone is checked without constructing a DateTimeFormat; an alias still is, and an unknown zone is refused', () => {
  const Original = Intl.DateTimeFormat;
  let made = 0;
  Intl.DateTimeFormat = new Proxy(Original, { construct: (target, args) => (made++, Reflect.construct(target, args)) });
  try {
    const doc = (tz?: string) => ({ ...(tz ? { time_zone: tz } : {}), contenders: { a: { provider: 'mock', model: 'a' } } });
    for (const tz of [undefined, 'UTC', 'Asia/Shanghai', 'America/New_York']) assert.equal(buildConfig(doc(tz), {}).timeZone, tz ?? 'UTC');
    assert.equal(made, 0, 'no DateTimeFormat for the default or a canonical zone');
    // A name Intl accepts that is neither UTC nor in its list of canonical zones (which one depends on ICU's version).
    const listed = new Set(Intl.supportedValuesOf('timeZone'));
    const alias = ['Asia/Kolkata', 'Asia/Calcutta', 'US/Pacific', 'utc', 'Zulu'].find((tz) => acceptedByIntl(tz) && !listed.has(tz) && tz !== 'UTC');
    assert.ok(alias);
    assert.equal(buildConfig(doc(alias), {}).timeZone, alias);
    assert.ok(made > 0, 'an alias gets the full check');
    assert.throws(() => buildConfig(doc('Mars/Olympus'), {}), (err: unknown) => err instanceof ConfigError && err.problems.includes('time_zone: unknown time zone "Mars/Olympus"'));
  } finally {
    Intl.DateTimeFormat = Original;
  }
});

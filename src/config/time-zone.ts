/**
 * Whether a config's `time_zone` names a time zone, as `Intl.DateTimeFormat` would accept it, without constructing
 * one where it can be avoided: the first `DateTimeFormat` of a process reads ~5 MB of ICU's locale and calendar
 * data into memory, and keeps it resident for the process's life, while a gateway without budgets never formats a
 * date. The list of IANA's canonical zones costs a few hundred kB; the names ECMA-402 requires of every
 * implementation (UTC and its aliases) are not in it. Anything else (an alias such as `Asia/Calcutta`, another
 * spelling, a name that does not exist) gets the full check.
 */
const ALWAYS_VALID = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT']);
let canonical: Set<string> | null = null;

export function isTimeZone(tz: string): boolean {
  if (ALWAYS_VALID.has(tz)) return true;
  canonical ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonical.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

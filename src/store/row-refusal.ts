/**
 * Whether a failed write is the rows' own fault (the store answered and refused them) rather than an outage: a
 * constraint violation (SQLSTATE class 23, SQLite's SQLITE_CONSTRAINT*), invalid data (class 22: a NUL byte in a
 * text column, a number out of range; SQLite's SQLITE_MISMATCH and SQLITE_TOOBIG), or a value the driver cannot
 * bind. Writing the same rows again would fail the same way; the store itself is up.
 */
export function isRowRefusal(err: unknown): boolean {
  if (err instanceof TypeError || err instanceof RangeError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return /^2[23][0-9A-Z]{3}$/.test(code) || code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
}

/**
 * W3C trace and span ids from a pool of random bytes refilled 4 kB at a time: one `randomFillSync` serves 170
 * requests' ids, where the SDK's generator makes each id from 2–4 `Math.random` calls and a buffer of its own.
 */
import { randomFillSync } from 'node:crypto';

const POOL = 4096;
const pool = Buffer.allocUnsafeSlow(POOL);
let at = POOL;

function hex(bytes: number, invalid: string): string {
  if (at + bytes > POOL) {
    randomFillSync(pool);
    at = 0;
  }
  const id = pool.toString('hex', at, at + bytes);
  at += bytes;
  // All zeros is the invalid id (W3C): draw again.
  return id === invalid ? hex(bytes, invalid) : id;
}

const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

export const newTraceId = (): string => hex(16, ZERO_TRACE);
export const newSpanId = (): string => hex(8, ZERO_SPAN);

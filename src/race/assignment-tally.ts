/**
 * The units each arm received in a sliding window (its start only moves forward), kept from the rows as they
 * arrive instead of counted in SQL each tick: distinct users (a user counts while their latest request is in the
 * window), anonymous requests, and all requests. Counting distinct users over half an hour of a busy race is a
 * sort of every row in it; here each row is looked at once, and the counts are kept as rows arrive, so a tick
 * costs O(1) — a pass over the distinct users happens only when the window's start moves (every half hour).
 *
 * Exact, not approximate: start times are kept per second, so the second the window starts in is counted to the
 * millisecond. Memory is one number per request in the window and one entry per distinct user.
 */
import type { AssignmentCounts, AssignmentRow } from '../store/repos/requests.js';

interface ArmTally {
  /** Each user's latest start time (boxed: a row updates it with one lookup, not a lookup and a set). */
  users: Map<string, { ts: number }>;
  /** The bucket of `rows` a row was last added to, and its second: rows come mostly in order. */
  lastSecond: number;
  lastBucket: number[] | null;
  /** Start times of every row, and of anonymous ones, by whole second. */
  rows: Map<number, number[]>;
  anonymous: Map<number, number[]>;
  /** Units with a start time ≥ the tally's current window start. */
  userCount: number;
  rowCount: number;
  anonymousCount: number;
}

export class AssignmentTally {
  readonly #arms = new Map<string, ArmTally>();
  /** The window start the running counts are for. */
  #since = Number.NEGATIVE_INFINITY;

  add(r: AssignmentRow): void {
    this.addRow(r.contender, r.userHash, r.ts);
  }

  /** `add` without the row object (a tick adds thousands). */
  addRow(contender: string, userHash: string | null, ts: number): void {
    let arm = this.#arms.get(contender);
    if (!arm) this.#arms.set(contender, (arm = { users: new Map(), rows: new Map(), anonymous: new Map(), userCount: 0, rowCount: 0, anonymousCount: 0, lastSecond: Number.NaN, lastBucket: null }));
    const inWindow = ts >= this.#since;
    const second = Math.floor(ts / 1000);
    if (second === arm.lastSecond && arm.lastBucket !== null) arm.lastBucket.push(ts);
    else {
      arm.lastSecond = second;
      arm.lastBucket = addTime(arm.rows, ts);
    }
    if (inWindow) arm.rowCount++;
    if (userHash === null) {
      addTime(arm.anonymous, ts);
      if (inWindow) arm.anonymousCount++;
      return;
    }
    const last = arm.users.get(userHash);
    if (last === undefined) {
      arm.users.set(userHash, { ts });
      if (inWindow) arm.userCount++;
      return;
    }
    if (last.ts >= ts) return;
    const counted = last.ts >= this.#since;
    last.ts = ts;
    if (inWindow && !counted) arm.userCount++;
  }

  /** Units per arm with `ts >= since`; what is older is forgotten (the window never moves back). */
  counts(since: number): AssignmentCounts[] {
    if (since !== this.#since) this.#recount(since);
    const out: AssignmentCounts[] = [];
    for (const [contender, arm] of this.#arms) {
      if (arm.rowCount === 0 && arm.userCount === 0) continue;
      out.push({ contender, rows: arm.rowCount, users: arm.userCount, anonymous: arm.anonymousCount });
    }
    return out.sort((a, b) => (a.contender < b.contender ? -1 : a.contender > b.contender ? 1 : 0));
  }

  /** A new window start: one pass over the users and the seconds, forgetting what fell out. */
  #recount(since: number): void {
    for (const arm of this.#arms.values()) {
      let users = 0;
      for (const [user, last] of arm.users) {
        if (last.ts >= since) users++;
        else arm.users.delete(user);
      }
      arm.lastBucket = null;
      arm.userCount = users;
      arm.rowCount = countSince(arm.rows, since);
      arm.anonymousCount = countSince(arm.anonymous, since);
    }
    this.#since = since;
  }
}

/** Adds a start time to its second's bucket; returns the bucket. */
function addTime(bySecond: Map<number, number[]>, ts: number): number[] {
  const s = Math.floor(ts / 1000);
  const bucket = bySecond.get(s);
  if (bucket) {
    bucket.push(ts);
    return bucket;
  }
  const fresh = [ts];
  bySecond.set(s, fresh);
  return fresh;
}

function countSince(bySecond: Map<number, number[]>, since: number): number {
  const first = Math.floor(since / 1000);
  let n = 0;
  for (const [s, times] of bySecond) {
    if (s > first) n += times.length;
    else if (s < first) bySecond.delete(s);
    else for (const t of times) if (t >= since) n++;
  }
  return n;
}

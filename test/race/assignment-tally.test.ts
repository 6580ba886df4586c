/**
 * The sample-ratio tally keeps its counts as rows arrive (a tick costs O(1), not a pass over every user): checked
 * against a brute-force count of the same rows at every step, with late rows, repeat users, anonymous rows and a
 * window start that moves forward.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssignmentTally } from '../../src/race/assignment-tally.js';
import { SeededRandom } from '../../src/stats/index.js';
import type { AssignmentRow } from '../../src/store/repos/requests.js';

function bruteForce(rows: readonly AssignmentRow[], since: number) {
  const arms = new Map<string, { rows: number; anonymous: number; users: Map<string, number> }>();
  for (const r of rows) {
    let a = arms.get(r.contender);
    if (!a) arms.set(r.contender, (a = { rows: 0, anonymous: 0, users: new Map() }));
    if (r.userHash !== null) a.users.set(r.userHash, Math.max(a.users.get(r.userHash) ?? -Infinity, r.ts));
  }
  const out = [];
  for (const [contender, a] of [...arms].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
    const inWindow = rows.filter((r) => r.contender === contender && r.ts >= since);
    const users = [...a.users.values()].filter((t) => t >= since).length;
    if (inWindow.length === 0 && users === 0) continue;
    out.push({ contender, rows: inWindow.length, users, anonymous: inWindow.filter((r) => r.userHash === null).length });
  }
  return out;
}

test('running counts equal a brute-force count at every tick, as rows arrive late and the window moves', () => {
  const rng = new SeededRandom(9);
  const tally = new AssignmentTally();
  const rows: AssignmentRow[] = [];
  let since = 0;
  for (let tick = 0; tick < 60; tick++) {
    const now = tick * 5000;
    for (let i = 0; i < 80; i++) {
      // Start times up to 20 s before now (rows are written when requests end), some before the window start.
      const ts = Math.max(0, now - Math.floor(rng.next() * 20_000));
      const r: AssignmentRow = { contender: rng.next() < 0.3 ? 'chal' : 'champ', userHash: rng.next() < 0.15 ? null : `u${Math.floor(rng.next() * 40)}`, ts };
      rows.push(r);
      tally.add(r);
    }
    if (tick % 12 === 11) since = now - 7_500; // the window start moves forward, into the middle of a second
    assert.deepEqual(tally.counts(since), bruteForce(rows, since), `tick ${tick}`);
  }
});

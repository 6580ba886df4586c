/**
 * A blind match takes its vote for 24 hours. Past that it answers 404 "expired", and the next match created
 * deletes expired ones (voted or not: the battle keeps what a voted one held), so pending pairings do not pile up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('matches expire after 24 hours and are purged', async (t) => {
  let clock = Date.UTC(2026, 10, 29, 8, 0, 0);
  const { url, dbFile } = await startTestGateway(t, {
    contenders: { m: mockContender('m'), n: mockContender('n') },
    races: { search: { champion: 'm', challengers: [{ contender: 'n', weight: 50 }] } },
  }, { now: () => clock });
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const newMatch = async () => {
    const res = await post('/v1/arena/match', { race: 'search', prompt: 'Which is better?' });
    assert.equal(res.status, 201);
    return ((await res.json()) as { id: string }).id;
  };
  const voted = await newMatch();
  assert.equal((await post('/v1/arena/vote', { match_id: voted, winner: 'a' })).status, 200);
  const pending = await newMatch();
  const late = await newMatch();

  clock += 23 * 3_600_000;
  assert.equal((await post('/v1/arena/vote', { match_id: late, winner: 'b' })).status, 200, 'within 24 hours the vote counts');
  clock += 2 * 3_600_000;
  const expired = await post('/v1/arena/vote', { match_id: pending, winner: 'a' });
  assert.equal(expired.status, 404);
  const err = ((await expired.json()) as { error: { message: string; param: string } }).error;
  assert.match(err.message, /has expired/);
  assert.equal(err.param, 'match_id');

  const fresh = await newMatch(); // creating a match purges the expired ones
  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const ids = (db.prepare('select id from arena_matches order by ts').all() as Array<{ id: string }>).map((r) => r.id);
  assert.deepEqual(ids, [fresh], 'matches older than 24 hours are gone, voted or not');
  assert.deepEqual(db.prepare('select count(*) as n from battles').get(), { n: 2 }, 'the battles of voted matches stay');
  assert.equal((await post('/v1/arena/vote', { match_id: fresh, winner: 'tie' })).status, 200);
});

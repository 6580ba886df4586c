/**
 * Who may do what in the arena: matches and votes need `arena:vote`; recording battles needs `arena:vote` (human
 * votes between configured contenders, as oneself) or `admin` (any history); the leaderboard is readable by any
 * key and ranks its own team's battles; a race the key may not call answers like a missing one; another team's
 * match cannot be voted on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('arena scopes: arena:vote for matches, votes and battles; any key for its own team\'s leaderboard', async (t) => {
  const { url, key: admin } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { m: mockContender('m'), n: mockContender('n'), o: mockContender('o') },
    races: { search: { champion: 'm', challengers: [{ contender: 'n', weight: 50 }] }, coder: { champion: 'n', challengers: [{ contender: 'o', weight: 50 }] } },
  });
  const call = (method: string, path: string, key: string, body?: unknown) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const makeKey = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/admin/keys', admin!, body);
    assert.equal(res.status, 201);
    return ((await res.json()) as { key: string }).key;
  };
  const chatOnly = await makeKey({ team: 'app', scopes: ['chat'] });
  const voter = await makeKey({ team: 'raters', scopes: ['arena:vote'], races: ['search'] });
  const sameTeam = await makeKey({ team: 'raters', scopes: ['arena:vote'] });
  const otherTeam = await makeKey({ team: 'elsewhere', scopes: ['arena:vote'] });
  const battle = { prompt: 'hi', contender_a: 'm', contender_b: 'n', winner: 'a', race: 'search' };

  for (const [method, path, body] of [['POST', '/v1/arena/match', { race: 'search', prompt: 'x' }], ['POST', '/v1/arena/vote', { match_id: 'match_x', winner: 'a' }], ['POST', '/v1/arena/battles', battle]] as const) {
    const res = await call(method, path, chatOnly, body);
    assert.equal(res.status, 403, path);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'permission_denied');
  }
  const board = await call('GET', '/v1/arena/leaderboard', chatOnly);
  assert.equal(board.status, 200);

  assert.equal((await call('POST', '/v1/arena/match', voter, { race: 'coder', prompt: 'x' })).status, 404, 'a race outside the key answers like a missing one');
  const match = await call('POST', '/v1/arena/match', voter, { race: 'search', prompt: 'x' });
  assert.equal(match.status, 201);
  const { id } = (await match.json()) as { id: string };
  assert.equal((await call('POST', '/v1/arena/vote', otherTeam, { match_id: id, winner: 'a' })).status, 404, 'another team cannot vote on it');
  assert.equal((await call('POST', '/v1/arena/vote', sameTeam, { match_id: id, winner: 'tie' })).status, 200);

  assert.equal((await call('POST', '/v1/arena/battles', voter, battle)).status, 201);
  assert.equal((await call('POST', '/v1/arena/battles', voter, { ...battle, source: 'judge' })).status, 403, 'only admins record judged battles');
  assert.equal((await call('POST', '/v1/arena/battles', voter, { ...battle, ts: 1 })).status, 403, 'only admins back-date');
  assert.equal((await call('POST', '/v1/arena/battles', voter, { ...battle, contender_b: 'gpt-2' })).status, 400, 'voters name configured contenders');
  assert.equal((await call('POST', '/v1/arena/battles', voter, { ...battle, contender_b: 'm' })).status, 400);
  const imported = await call('POST', '/v1/arena/battles', admin!, { data: [{ ...battle, contender_b: 'gpt-2', source: 'judge', voter: 'gpt-4', ts: 1_600_000_000_000 }] });
  assert.equal(imported.status, 201, 'admins import history');

  const listed = (await (await call('GET', '/v1/arena/battles', otherTeam)).json()) as { data: unknown[] };
  assert.equal(listed.data.length, 0, 'a team lists only its own battles');
  const mine = (await (await call('GET', '/v1/arena/battles', sameTeam)).json()) as { data: Array<{ voter: string; source: string }> };
  assert.equal(mine.data.length, 2);
  // The leaderboard ranks the caller's own team's battles (an admin's: every team's); a race-limited key names its race.
  type Board = { battles: number; data: Array<{ contender: string }> };
  const board_ = async (key: string, query = '') => (await (await call('GET', `/v1/arena/leaderboard${query}`, key)).json()) as Board;
  assert.equal((await board_(chatOnly)).battles, 0, "another team's votes are not this team's numbers");
  assert.equal((await board_(sameTeam)).battles, 2);
  assert.equal((await board_(voter, '?race=search')).battles, 2);
  assert.equal((await call('GET', '/v1/arena/leaderboard?race=coder', voter)).status, 404, 'a race outside the key answers like a missing one');
  assert.equal((await call('GET', '/v1/arena/leaderboard', voter)).status, 400, 'a race-limited key names its race');
  const all = await board_(admin!);
  assert.equal(all.battles, 3);
  assert.deepEqual(all.data.map((r) => r.contender).sort(), ['gpt-2', 'm', 'n']);
});

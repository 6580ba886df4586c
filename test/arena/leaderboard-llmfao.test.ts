/**
 * The whole arena path agrees with published ratings: LLMFAO's 8,931 crowd votes (Dmitry Ustalov, CC BY 4.0; see
 * test/fixtures/arena/README.md) recorded through `POST /v1/arena/battles`, stored, counted in SQL and rated by
 * `GET /v1/arena/leaderboard` match the published Bradley–Terry scores to ±0.001 Elo points, with seeded
 * (repeatable) bootstrap intervals around them and per-tag views.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { startTestGateway } from '../support/gateway.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/arena/${name}`, import.meta.url), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(','));

interface Board {
  battles: number;
  method: { mean: number | null; bootstrap_rounds: number };
  data: Array<{ contender: string; rating: number; ci_lower: number; ci_upper: number; rank: number; rank_worst: number; battles: number; retired: boolean }>;
  win_rates: { contenders: string[]; predicted: Array<Array<number | null>> };
}

test('LLMFAO votes through the API give the published ratings to ±0.001', async (t) => {
  const { url } = await startTestGateway(t, { contenders: { m: { provider: 'mock', model: 'm' } } });
  const data = fixture('llmfao-crowd-comparisons.csv').map(([, prompt, , , worker, winner, left, right]) => ({
    prompt: `llmfao prompt ${prompt}`,
    contender_a: left,
    contender_b: right,
    winner: winner === 'left' ? 'a' : winner === 'right' ? 'b' : 'tie',
    voter: `worker-${worker}`,
    tags: [`prompt-${prompt}`],
    language: 'en',
    ts: 1_700_000_000_000,
  }));
  const posted = await fetch(`${url}/v1/arena/battles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) });
  assert.equal(posted.status, 201, await posted.clone().text());
  assert.equal(((await posted.json()) as { recorded: number }).recorded, 8931);

  const get = async (query: string) => {
    const res = await fetch(`${url}/v1/arena/leaderboard${query}`);
    assert.equal(res.status, 200);
    return (await res.json()) as Board;
  };
  const board = await get('?rounds=200&seed=3');
  assert.equal(board.battles, 8931);
  assert.equal(board.method.mean, 1000);
  const rows = new Map(board.data.map((r) => [r.contender, r]));
  let worst = 0;
  for (const [model, , elo, games] of fixture('llmfao-expected-bt.csv')) {
    const row = rows.get(model!);
    assert.ok(row, `${model} missing`);
    assert.equal(row.battles, Number(games));
    worst = Math.max(worst, Math.abs(row.rating - Number(elo)));
    assert.ok(row.ci_lower < row.rating && row.rating < row.ci_upper, `${model}: CI around the rating`);
    assert.ok(row.rank >= 1 && row.rank <= row.rank_worst && row.rank_worst <= 59);
    assert.equal(row.retired, true, 'imported contenders not in the config are listed as retired');
  }
  assert.equal(rows.size, 59);
  assert.ok(worst <= 0.001, `max |Δ| ${worst}`);
  assert.deepEqual(board.data.map((r) => r.rating), [...board.data.map((r) => r.rating)].sort((a, b) => b - a), 'sorted by rating');
  assert.equal(board.data[0]!.contender, 'GPT 4');
  assert.equal(board.data[0]!.rank, 1);
  const p = board.win_rates.predicted;
  assert.equal(p.length, 59);
  assert.equal(p[0]![0], null);
  assert.ok(Math.abs(p[0]![1]! + p[1]![0]! - 1) < 1e-12);

  assert.deepEqual(await get('?rounds=200&seed=3'), board, 'the same seed gives the same intervals');
  const anchored = await get('?rounds=0&anchor=GPT%204&anchor_rating=1200');
  assert.equal(anchored.data[0]!.rating, 1200);
  assert.ok(Math.abs(anchored.data[1]!.rating - (board.data[1]!.rating + 1200 - board.data[0]!.rating)) < 1e-6, 'an anchor shifts, never reshapes');
  const tagged = await get('?tag=prompt-8&rounds=50');
  const prompt8 = data.filter((b) => b.tags[0] === 'prompt-8').length;
  assert.equal(tagged.battles, prompt8);
  assert.equal((await get('?language=zh&rounds=0')).battles, 0);
  const bad = await fetch(`${url}/v1/arena/leaderboard?anchor=nobody`);
  assert.equal(bad.status, 400);
});

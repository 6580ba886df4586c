/**
 * The leaderboard says what its numbers rest on: how many bootstrap rounds were usable (degenerate resamples are
 * dropped) and which contenders have too few battles for their interval to mean much — in the table, the JSON and
 * the dashboard API. Battles are imported through the CLI into a real SQLite file; the API is a real gateway on it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';

interface Board {
  battles: number;
  method: { bootstrap_rounds: number; degenerate_rounds: number; usable_rounds: number; min_battles: number };
  data: Array<{ contender: string; battles: number; few_battles: boolean }>;
}

test('usable bootstrap rounds and few-battle flags in the table, the JSON and the API', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-usable-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'saima.yaml');
  const store = `sqlite:${join(dir, 'saima.db')}`;
  writeFileSync(config, JSON.stringify({ store, contenders: { m: { provider: 'mock', model: 'm' } } }));
  // A well-measured pair (300 battles) and three contenders hanging off it by a handful of battles: many bootstrap
  // resamples leave one of those undefeated or winless, and such a round cannot rate everyone.
  const spec: Array<[string, string, string, number]> = [
    ['big-a', 'big-b', 'a', 180], ['big-a', 'big-b', 'b', 120], ['small-x', 'big-a', 'a', 1], ['small-x', 'big-a', 'b', 2],
    ['small-y', 'small-x', 'a', 1], ['small-y', 'small-x', 'b', 1], ['small-z', 'big-b', 'a', 1], ['small-z', 'big-b', 'b', 1],
  ];
  let k = 0;
  const lines = spec.flatMap(([a, b, winner, n]) => Array.from({ length: n }, () => JSON.stringify({ prompt: `p${k++}`, contender_a: a, contender_b: b, winner })));
  writeFileSync(join(dir, 'battles.jsonl'), `${lines.join('\n')}\n`);
  assert.equal((await runCli(['arena', 'import', join(dir, 'battles.jsonl'), '-c', config])).code, 0);

  const json = await runCli(['leaderboard', '--json', '--rounds', '400', '-c', config]);
  assert.equal(json.code, 0, json.stderr);
  const board = JSON.parse(json.stdout) as Board;
  assert.equal(board.battles, 307);
  assert.ok(board.method.degenerate_rounds > 0, 'the sparse contenders make some resamples degenerate');
  assert.equal(board.method.usable_rounds, 400 - board.method.degenerate_rounds);
  assert.equal(board.method.min_battles, 100);
  const flags = Object.fromEntries(board.data.map((r) => [r.contender, r.few_battles]));
  assert.deepEqual(flags, { 'big-a': false, 'big-b': false, 'small-x': true, 'small-y': true, 'small-z': true });

  const table = await runCli(['leaderboard', '--rounds', '400', '-c', config]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, new RegExp(`400 bootstrap rounds \\(seed 0, ${board.method.usable_rounds} usable: ${board.method.degenerate_rounds} degenerate rounds dropped`));
  assert.match(table.stdout, /small-x .*few battles \(<100\)/);
  assert.doesNotMatch(table.stdout, /big-a .*few battles/);

  const gw = await startServer(buildConfig({ server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store, contenders: { m: { provider: 'mock', model: 'm' } } }, {}), { logger: false, env: {} });
  t.after(() => gw.close());
  const res = await fetch(`${gw.url}/v1/arena/leaderboard?rounds=400`);
  assert.equal(res.status, 200);
  const api = (await res.json()) as Board;
  assert.equal(api.method.usable_rounds, board.method.usable_rounds);
  assert.deepEqual(Object.fromEntries(api.data.map((r) => [r.contender, r.few_battles])), flags);
});

/**
 * History is never rewritten: a contender that loses its crown (retired in the race state) or leaves the config
 * keeps its battles and its leaderboard row, marked retired, and the leaderboard counts how many variants each
 * owner raced. Driven through the CLI: `saima arena import`, `saima race promote`, `saima leaderboard`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';

interface Board {
  battles: number;
  data: Array<{ contender: string; retired: boolean; battles: number; owner: string; rating: number | null }>;
  owners: Array<{ owner: string; variants: number; best: string }>;
}

test('retired and removed contenders keep their battles and rows; variants per owner are counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-retired-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'saima.yaml');
  const doc = (withTurbo: boolean) => ({
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: {
      'qwen-max': mockContender('qwen-max'),
      'qwen-plus': mockContender('qwen-plus'),
      ...(withTurbo ? { 'qwen-turbo': mockContender('qwen-turbo') } : {}),
      'deepseek-chat': mockContender('deepseek-chat'),
    },
    races: { assistant: { champion: 'qwen-max', challengers: [{ contender: 'deepseek-chat', weight: 10 }, { contender: 'qwen-plus', weight: 10 }] } },
  });
  writeFileSync(config, JSON.stringify(doc(true)));
  const pairs: Array<[string, string, string, number]> = [
    ['deepseek-chat', 'qwen-max', 'a', 30], ['deepseek-chat', 'qwen-max', 'b', 20], ['qwen-max', 'qwen-plus', 'a', 25], ['qwen-max', 'qwen-plus', 'b', 15],
    ['qwen-turbo', 'deepseek-chat', 'a', 5], ['qwen-turbo', 'deepseek-chat', 'b', 15], ['qwen-turbo', 'qwen-plus', 'tie', 10], ['deepseek-chat', 'qwen-plus', 'tie_bothbad', 4],
  ];
  const lines = pairs.flatMap(([a, b, winner, n]) => Array.from({ length: n }, (_, k) => JSON.stringify({ race: 'assistant', prompt: `p${k}`, contender_a: a, contender_b: b, winner, tags: ['chat'] })));
  writeFileSync(join(dir, 'battles.jsonl'), `${lines.join('\n')}\n`);
  const imported = await runCli(['arena', 'import', join(dir, 'battles.jsonl'), '-c', config]);
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /imported 124 battles/);

  const board = async (): Promise<Board> => {
    const r = await runCli(['leaderboard', '--race', 'assistant', '--rounds', '100', '--json', '-c', config]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Board;
  };
  const before = await board();
  assert.equal(before.battles, 124);
  assert.ok(before.data.every((r) => !r.retired));

  const promoted = await runCli(['race', 'promote', 'assistant', 'deepseek-chat', '--reason', 'won the arena', '-c', config]);
  assert.equal(promoted.code, 0, promoted.stderr);
  writeFileSync(config, JSON.stringify(doc(false)));
  const after = await board();
  assert.equal(after.battles, 124, 'no battle is dropped');
  const row = (name: string) => after.data.find((r) => r.contender === name)!;
  assert.deepEqual(after.data.map((r) => r.contender).sort(), ['deepseek-chat', 'qwen-max', 'qwen-plus', 'qwen-turbo']);
  assert.equal(row('qwen-max').retired, true, 'the former champion is retired, not gone');
  assert.equal(row('qwen-turbo').retired, true, 'a contender removed from the config is retired, not gone');
  assert.equal(row('qwen-turbo').battles, 30);
  assert.equal(row('deepseek-chat').retired, false);
  assert.deepEqual(after.data.map((r) => [r.contender, r.rating]), before.data.map((r) => [r.contender, r.rating]), 'same battles, same ratings');
  assert.deepEqual(after.owners.map((o) => [o.owner, o.variants]), [['qwen', 3], ['deepseek', 1]]);

  const table = await runCli(['leaderboard', '--race', 'assistant', '--rounds', '100', '-c', config]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^race assistant: 124 battles; Bradley–Terry, mean 1000, 100 bootstrap rounds \(seed 0\)/);
  assert.match(table.stdout, /rank\s+contender\s+rating\s+95% CI\s+battles\s+win %\s+owner \(variants\)\s+status/);
  assert.match(table.stdout, /qwen-turbo\s+[\d.]+\s+\+[\d.]+\/-[\d.]+\s+30\s+[\d.]+\s+qwen \(3\)\s+retired/);
});

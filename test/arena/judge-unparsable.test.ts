/**
 * Strict verdicts: a judge reply without exactly one verdict is retried once (with a reminder); a retry that
 * decides counts, a retry that still does not is stored as an error — never as a win, never rated.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../support/cli.js';
import { prefers, startFakeJudge, type Decide } from '../support/fake-judge-upstream.js';
import { mockContender } from '../support/gateway.js';

async function judgeRun(t: TestContext, decide: Decide) {
  const judge = await startFakeJudge(decide);
  const dir = mkdtempSync(join(tmpdir(), 'saima-judge-'));
  t.after(async () => {
    await judge.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const config = join(dir, 'saima.yaml');
  writeFileSync(config, JSON.stringify({
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: {
      right: mockContender('right', { default_answer: 'Paris.' }),
      wrong: mockContender('wrong', { default_answer: 'Lyon.' }),
      judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', price: { input: 1, output: 1 } },
    },
    races: { r: { champion: 'right', challengers: [{ contender: 'wrong', weight: 50 }] } },
  }));
  const prompts = join(dir, 'prompts.jsonl');
  writeFileSync(prompts, `${JSON.stringify({ prompt: 'Capital of France?', tags: ['geo'] })}\n`);
  const run = await runCli(['arena', 'judge', '--race', 'r', '--prompts', prompts, '--judge', 'judge', '--n', '3', '--json', '-c', config]);
  const board = await runCli(['leaderboard', '--race', 'r', '--json', '--rounds', '50', '-c', config]);
  assert.equal(board.code, 0, board.stderr);
  const db = new Database(join(dir, 'saima.db'), { readonly: true });
  t.after(() => db.close());
  return {
    run,
    judge,
    summary: JSON.parse(run.stdout) as { battles: number; judge_errors: number; outcomes: Record<string, number> },
    board: JSON.parse(board.stdout) as { battles: number; judge_errors: number; data: Array<{ wins: number; losses: number; battles: number }> },
    rows: db.prepare('select contender_a, winner, error, details from battles').all() as Array<{ contender_a: string; winner: string | null; error: string | null; details: string }>,
  };
}

test('a verdict missing twice is an error, never a win; a verdict given on the retry counts', async (t) => {
  const mute = await judgeRun(t, () => 'Both answers have merit; one could argue [[A]] and one could argue [[B]].');
  assert.equal(mute.summary.battles, 3);
  assert.equal(mute.summary.judge_errors, 3);
  assert.equal(mute.run.code, 1, 'a run whose judgements failed exits non-zero');
  assert.match(mute.run.stderr, /^saima: 3 of 3 judgements failed \(3 judge errors: no verdict; 0 answer errors: not judged\)$/m);
  assert.deepEqual(mute.summary.outcomes, { a: 0, b: 0, tie: 0, tie_bothbad: 0 });
  assert.equal(mute.judge.requests.length, 12, 'each order asked twice');
  assert.ok(mute.judge.requests[0]!.length === 2 && mute.judge.requests.some((m) => m.length === 4 && m[3]!.content.includes('[[D]]')), 'the retry reminds the judge of the verdict format');
  for (const r of mute.rows) {
    assert.equal(r.winner, null);
    assert.match(r.error!, /unparsable verdict/);
  }
  assert.equal(mute.board.battles, 0, 'errors are never rated');
  assert.equal(mute.board.judge_errors, 3);
  assert.ok(mute.board.data.every((row) => row.wins === 0 && row.battles === 0));

  const late: Decide = (messages) => (messages.some((m) => m.role === 'assistant') ? prefers('Paris')(messages) : 'Let me think about it.');
  const retried = await judgeRun(t, late);
  assert.equal(retried.summary.judge_errors, 0);
  assert.equal(retried.run.code, 0, retried.run.stderr);
  assert.equal(retried.judge.requests.length, 12);
  for (const r of retried.rows) {
    assert.equal(r.error, null);
    assert.equal(r.winner, r.contender_a === 'right' ? 'a' : 'b', 'the right answer wins in both orders');
    const d = JSON.parse(r.details) as { consistent: boolean; games: Array<{ calls: number }> };
    assert.deepEqual([d.consistent, d.games.map((g) => g.calls)], [true, [2, 2]]);
  }
  assert.equal(retried.board.battles, 3);
});

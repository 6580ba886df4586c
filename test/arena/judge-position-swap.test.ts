/**
 * The judge's position swap: each pair is judged twice with the answers' positions exchanged, and orders that
 * disagree count as a tie. A loopback judge that always prefers the first answer therefore produces only ties —
 * never a winner — while both of its calls per battle really did show the two answers in opposite positions.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../support/cli.js';
import { alwaysFirst, answersIn, startFakeJudge } from '../support/fake-judge-upstream.js';
import { mockContender } from '../support/gateway.js';

test('a judge that always prefers the first answer yields ties, not winners', async (t) => {
  const judge = await startFakeJudge(alwaysFirst);
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
      'acme-large': mockContender('acme-large', { default_answer: 'Paris is the capital of France.' }),
      'acme-small': mockContender('acme-small', { default_answer: 'Lyon, I think.' }),
      'other-chat': mockContender('other-chat', { default_answer: 'It is Paris.' }),
      judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', price: { input: 1, output: 1 } },
    },
    races: { assistant: { champion: 'acme-large', challengers: [{ contender: 'acme-small', weight: 10 }, { contender: 'other-chat', weight: 10 }] } },
  }));
  const prompts = join(dir, 'prompts.txt');
  writeFileSync(prompts, 'What is the capital of France?\n法国的首都是哪里？\n');

  const run = await runCli(['arena', 'judge', '--race', 'assistant', '--prompts', prompts, '--judge', 'judge', '--n', '12', '--concurrency', '1', '--json', '-c', config]);
  assert.equal(run.code, 0, run.stderr);
  const summary = JSON.parse(run.stdout) as { battles: number; outcomes: Record<string, number>; position_consistency: number; first_position_rate: number; judge_errors: number };
  assert.equal(summary.battles, 12);
  assert.deepEqual(summary.outcomes, { a: 0, b: 0, tie: 12, tie_bothbad: 0 });
  assert.equal(summary.position_consistency, 0);
  assert.equal(summary.first_position_rate, 1);
  assert.equal(summary.judge_errors, 0);

  const db = new Database(join(dir, 'saima.db'), { readonly: true });
  t.after(() => db.close());
  const battles = db.prepare('select winner, source, voter, details from battles').all() as Array<{ winner: string; source: string; voter: string; details: string }>;
  assert.equal(battles.length, 12);
  for (const b of battles) {
    assert.deepEqual([b.winner, b.source, b.voter], ['tie', 'judge', 'judge']);
    const d = JSON.parse(b.details) as { consistent: boolean; games: Array<{ order: string; verdict: string }> };
    assert.equal(d.consistent, false);
    assert.deepEqual(d.games.map((g) => [g.order, g.verdict]), [['ab', 'A'], ['ba', 'A']]);
  }

  // Two judge calls per battle, the second with the answers in the other positions.
  assert.equal(judge.requests.length, 24);
  for (let k = 0; k < 24; k += 2) {
    const one = answersIn(judge.requests[k]!);
    const two = answersIn(judge.requests[k + 1]!);
    assert.notEqual(one.a, one.b);
    assert.deepEqual([two.a, two.b].sort(), [one.a, one.b].sort());
    assert.equal(two.a, one.b, 'the swapped game shows the other answer first');
  }
  const rated = db.prepare("select count(*) as n from requests where id like 'judge_%' and contender = 'judge' and shadow = 1 and cost_nanos > 0").get() as { n: number };
  assert.equal(rated.n, 24, 'every judge call is metered in the request log');
});

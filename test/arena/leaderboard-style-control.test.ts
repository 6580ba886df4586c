/**
 * Style control: when voters reward length rather than the contender, the plain leaderboard puts the verbose
 * contender on top, and the style-controlled ratings (answer tokens, headers, lists, bold as covariates, style
 * counts taken at record time) bring the contenders back together and put the preference on the length coefficient.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../src/stats/seeded-random.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

interface Row { contender: string; rating: number; style: { rating: number; ci_lower: number; ci_upper: number } }

test('style control removes a preference for length from the ratings', async (t) => {
  const { url } = await startTestGateway(t, { contenders: { verbose: mockContender('verbose'), terse: mockContender('terse'), plain: mockContender('plain') } });
  const random = new SeededRandom(11);
  const base: Record<string, number> = { verbose: 160, terse: 20, plain: 60 };
  const names = Object.keys(base);
  const answer = (name: string) => `${'word '.repeat(Math.max(1, Math.round(base[name]! * (0.3 + 1.4 * random.next()))))}`.trim();
  const data = Array.from({ length: 1500 }, (_, k) => {
    const a = names[k % 3]!;
    const b = names[(k + 1 + (k % 2)) % 3]!;
    const answerA = answer(a);
    const answerB = answer(b);
    const la = answerA.split(' ').length;
    const lb = answerB.split(' ').length;
    // The voter only sees length: P(a wins) rises with the normalised length difference; no contender effect.
    const p = 1 / (1 + Math.exp(-4 * ((la - lb) / (la + lb + 1))));
    return { prompt: `q${k}`, contender_a: a, contender_b: b, answer_a: answerA, answer_b: answerB, winner: random.next() < p ? 'a' : 'b' };
  });
  const posted = await fetch(`${url}/v1/arena/battles`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data }) });
  assert.equal(posted.status, 201);
  const res = await fetch(`${url}/v1/arena/leaderboard?style=true&style_rounds=40&rounds=200`);
  assert.equal(res.status, 200);
  const board = (await res.json()) as { data: Row[]; style_control: { battles: number; coefficients: Record<string, number>; bootstrap_rounds: number } };
  const row = (n: string) => board.data.find((r) => r.contender === n)!;
  const plainGap = row('verbose').rating - row('terse').rating;
  const styleGap = row('verbose').style.rating - row('terse').style.rating;
  assert.ok(plainGap > 100, `plain gap ${plainGap}`);
  assert.ok(Math.abs(styleGap) < plainGap / 3, `style-controlled gap ${styleGap} vs plain ${plainGap}`);
  assert.equal(board.style_control.battles, 1500);
  assert.equal(board.style_control.bootstrap_rounds, 40);
  assert.ok(board.style_control.coefficients.tokens! > 0.3, `tokens coefficient ${board.style_control.coefficients.tokens}`);
  for (const n of names) assert.ok(row(n).style.ci_lower <= row(n).style.rating && row(n).style.rating <= row(n).style.ci_upper);
});

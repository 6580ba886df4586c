/**
 * judge_win_rate has a data source: blind battles of a challenger against the champion on the race's own traffic
 * (shadow-judge verdicts here; human arena votes count too). A challenger whose shadow answers lose every judged
 * battle to the champion's served answers is rolled back on that guardrail, with the battle numbers in the log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import type { DecisionRow } from '../../src/store/types.js';
import { prefers, startFakeJudge } from '../support/fake-judge-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('a challenger losing its judged battles to the champion is rolled back on judge_win_rate', async (t) => {
  const judge = await startFakeJudge(prefers('Paris'));
  t.after(() => judge.close());
  const { client, url } = await startTestGateway(t, {
    monitor: { interval_ms: 150 },
    contenders: {
      champ: mockContender('champ-1', { default_answer: 'It is Paris.' }),
      worse: mockContender('worse-1', { default_answer: 'It is Lyon.' }),
      judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', price: { input: 1, output: 1 } },
    },
    races: {
      assistant: {
        champion: 'champ', challengers: [{ contender: 'worse', weight: 10 }], sticky: false, capture: true,
        shadow: { contender: 'worse', rate: 1, judge: 'judge' },
        policy: { type: 'canary', ramp: [10, 50], min_samples: 30, min_step_s: 600, tuning: 200, guardrails: { judge_win_rate: { margin: 0.1 } } },
      },
    },
  });
  let log: DecisionRow[] = [];
  const deadline = Date.now() + 20_000;
  for (let i = 0; !log.some((d) => d.action === 'rollback'); i++) {
    assert.ok(Date.now() < deadline, `no rollback in time: ${JSON.stringify(log.map((d) => [d.action, d.reason]))}`);
    await Promise.all(Array.from({ length: 8 }, (_, j) => client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: `Capital of France? (${i}.${j})` }] })));
    log = ((await (await fetch(`${url}/admin/races/assistant/decisions`)).json()) as { data: DecisionRow[] }).data;
  }
  const rollback = log.find((d) => d.action === 'rollback')!;
  assert.equal(rollback.contender, 'worse');
  assert.match(rollback.reason!, /^guardrail broken: judge_win_rate /);
  const m = (rollback.details as { tests: Array<{ metric: string; available: boolean; champion: { mean: number }; challenger: { n: number; mean: number } }> }).tests.find((x) => x.metric === 'judge_win_rate')!;
  assert.equal(m.available, true);
  assert.equal(m.champion.mean, 0.5, 'the champion side of a battle score is a draw by construction');
  assert.equal(m.challenger.mean, 0, 'the judge preferred the champion every time');
  assert.ok(m.challenger.n >= 30, `battles counted: ${m.challenger.n}`);
});

test('a bandit cannot race on judge_win_rate: the config says why', () => {
  assert.throws(
    () => buildConfig({ contenders: { a: mockContender('a'), b: mockContender('b') }, races: { r: { champion: 'a', challengers: [{ contender: 'b', weight: 10 }], policy: { type: 'bandit', primary: 'judge_win_rate' } } } }, {}),
    /races\.r\.policy\.primary: a bandit cannot use judge_win_rate/,
  );
});

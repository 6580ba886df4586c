/**
 * Judged shadow traffic: with `shadow.judge` set and text capture on, shadow answers are judged against the served
 * ones (both orders) and become `shadow_judge` battles, without delaying the served response. Without capture
 * there is no served text, so nothing is judged.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { prefers, startFakeJudge } from '../support/fake-judge-upstream.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

test('shadow answers are judged against served ones when the race captures text', async (t) => {
  const judge = await startFakeJudge(prefers('Paris'), { delayMs: 600 });
  t.after(() => judge.close());
  const shadow = (capture: boolean) => ({ champion: 'served', capture, shadow: { contender: 'shadowed', rate: 1, judge: 'judge', judge_rate: 1 } });
  const { client, gw, dbFile } = await startTestGateway(t, {
    contenders: {
      served: mockContender('served', { default_answer: 'It is Lyon.' }),
      shadowed: mockContender('shadowed', { default_answer: 'It is Paris.' }),
      judge: { provider: 'openai', base_url: judge.url, api_key: 'sk-test-judge-key', model: 'judge-1', price: { input: 1, output: 1 } },
    },
    races: { captured: shadow(true), blind: shadow(false) },
  });
  await client.chat.completions.create({ model: 'blind', messages: [{ role: 'user', content: 'warm-up' }] });
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const res = await client.chat.completions.create({ model: 'captured', messages: [{ role: 'user', content: `Capital of France? (${i})` }] });
    assert.equal(res.choices[0]!.message.content, 'It is Lyon.');
    assert.ok(performance.now() - t0 < 400, 'the served answer never waits for the judge (which takes 600 ms)');
    await client.chat.completions.create({ model: 'blind', messages: [{ role: 'user', content: 'Capital of France?' }] });
  }
  await Promise.allSettled([...gw.ctx.background]);
  await gw.store.requestLog.flush();

  const db = new Database(dbFile, { readonly: true });
  t.after(() => db.close());
  const battles = db.prepare('select race, contender_a, contender_b, winner, source, voter, prompt, answer_b, details from battles order by ts').all() as Array<Record<string, string>>;
  assert.equal(battles.length, 3, 'one battle per captured shadow call, none for the race without capture');
  for (const b of battles) {
    assert.deepEqual([b.race, b.contender_a, b.contender_b, b.winner, b.source, b.voter], ['captured', 'served', 'shadowed', 'b', 'shadow_judge', 'judge']);
    assert.match(b.prompt!, /^user: Capital of France\? \(\d\)$/);
    assert.equal(b.answer_b, 'It is Paris.');
    const d = JSON.parse(b.details!) as { consistent: boolean; served_request: string; shadow_request: string };
    assert.equal(d.consistent, true);
    const served = db.prepare('select shadow, race from requests where id = ?').get(d.served_request) as { shadow: number; race: string };
    assert.deepEqual(served, { shadow: 0, race: 'captured' });
  }
  assert.equal(judge.requests.length, 6, 'two orders per battle');
  const judgeRows = db.prepare("select count(*) as n from requests where contender = 'judge' and shadow = 1 and parent_id is not null").get() as { n: number };
  assert.equal(judgeRows.n, 6, 'judge calls are metered, linked to the served request');
});

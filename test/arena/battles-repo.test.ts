/** The battles repo round-trips battles, filters them (race, pair set, tag, language, source, time), counts them per pair, and lets a match be voted once — on every database. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openStore, type ArenaMatchRecord, type BattleRecord } from '../../src/store/index.js';
import { storeUrlFor, testDialects } from '../support/databases.js';

const T0 = 1_700_000_000_000;

function battle(over: Partial<BattleRecord>): BattleRecord {
  return {
    id: 'b1', ts: T0, race: 'assistant', promptHash: 'h1', prompt: null, contenderA: 'qwen-max', contenderB: 'deepseek-chat',
    answerA: null, answerB: null, winner: 'a', error: null, source: 'human', voter: 'key_1', team: 'web', tags: ['coding'],
    language: 'en', styleA: { tokens: 10, headers: 1, lists: 2, bold: 0 }, styleB: { tokens: 5, headers: 0, lists: 0, bold: 1 }, details: null,
    ...over,
  };
}

for (const dialect of testDialects()) {
  test(`battles: insert, filter, pair counts, styled rows, one vote per match (${dialect})`, async (t) => {
    const store = await openStore(await storeUrlFor(dialect, t));
    t.after(() => store.close());
    const b1 = battle({ prompt: '写一首诗', answerA: 'x', details: { games: ['A', 'B'] } });
    const many = Array.from({ length: 1203 }, (_, i) =>
      battle({ id: `m${i}`, ts: T0 + 10 + i, winner: i % 3 === 0 ? 'b' : i % 3 === 1 ? 'tie' : 'tie_bothbad', tags: i % 2 ? ['coding', 'zh'] : [], language: 'zh', source: 'judge', styleA: null, styleB: null }),
    );
    const failed = battle({ id: 'e1', ts: T0 + 5, winner: null, error: 'unparsable verdict', source: 'judge' });
    const other = battle({ id: 'o1', race: 'other', contenderA: 'glm-4', contenderB: 'qwen-max', winner: 'b', tags: [], language: null });
    await store.battles.insert([b1, failed, other, ...many]);

    assert.deepEqual(await store.battles.get('b1'), b1);
    assert.equal(await store.battles.get('nope'), null);
    const newest = await store.battles.list({ limit: 2 });
    assert.deepEqual(newest.map((b) => b.id), ['m1202', 'm1201']);

    const counts = await store.battles.pairCounts({ race: 'assistant' });
    const byWinner = Object.fromEntries(counts.map((c) => [`${c.contenderA}>${c.contenderB}:${c.winner}`, c.n]));
    assert.deepEqual(byWinner, {
      'qwen-max>deepseek-chat:a': 1,
      'qwen-max>deepseek-chat:b': 401,
      'qwen-max>deepseek-chat:tie': 401,
      'qwen-max>deepseek-chat:tie_bothbad': 401,
    }, 'errors are never counted');
    assert.equal(await store.battles.countErrors({ race: 'assistant' }), 1);

    const sum = (cs: Array<{ n: number }>) => cs.reduce((s, c) => s + c.n, 0);
    assert.equal(sum(await store.battles.pairCounts({ tag: 'coding' })), 1 + 601, 'tag filter goes through battle_tags');
    assert.equal(sum(await store.battles.pairCounts({ tag: 'zh', language: 'zh' })), 601);
    assert.equal(sum(await store.battles.pairCounts({ sources: ['human'] })), 2);
    assert.equal(sum(await store.battles.pairCounts({ contenders: ['qwen-max', 'glm-4'] })), 1, 'both contenders must be in the set');
    assert.equal(sum(await store.battles.pairCounts({ contenders: [] })), 0);
    assert.equal(sum(await store.battles.pairCounts({ since: T0 + 10, until: T0 + 20 })), 10);
    assert.deepEqual(await store.battles.contenders({ race: 'other' }), ['glm-4', 'qwen-max']);
    assert.deepEqual(await store.battles.contenders(), ['deepseek-chat', 'glm-4', 'qwen-max']);

    const styled = await store.battles.styled({ race: 'assistant' });
    assert.deepEqual(styled, [{ contenderA: 'qwen-max', contenderB: 'deepseek-chat', winner: 'a', styleA: b1.styleA, styleB: b1.styleB }]);

    const match: ArenaMatchRecord = {
      id: 'match_1', ts: T0, race: 'assistant', contenderA: 'deepseek-chat', contenderB: 'qwen-max', promptHash: 'h9', prompt: null,
      answerA: null, answerB: null, styleA: { tokens: 1, headers: 0, lists: 0, bold: 0 }, styleB: null, tags: ['t'], language: 'en',
      team: 'web', keyId: 'key_1', votedAt: null, battleId: null,
    };
    await store.battles.createMatch(match);
    assert.deepEqual(await store.battles.getMatch('match_1'), match);
    const vote = battle({ id: 'v1', ts: T0 + 99, tags: ['t'] });
    const second = battle({ id: 'v2', ts: T0 + 100, tags: ['t'] });
    const results = await Promise.all([store.battles.voteMatch('match_1', vote), store.battles.voteMatch('match_1', second)]);
    assert.deepEqual(results.sort(), ['ok', 'voted']);
    assert.equal(await store.battles.voteMatch('match_nope', battle({ id: 'v3' })), 'missing');
    const voted = await store.battles.getMatch('match_1');
    assert.ok(voted && voted.votedAt !== null && voted.battleId !== null);
    assert.ok((await store.battles.get(voted.battleId)) !== null, 'the winning vote wrote its battle');
    assert.equal(await store.battles.get(voted.battleId === 'v1' ? 'v2' : 'v1'), null, 'the losing vote wrote nothing');
    assert.equal(sum(await store.battles.pairCounts({ tag: 't' })), 1);
  });
}

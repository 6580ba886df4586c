/**
 * `saima arena import` is a transaction and a set, through the CLI on a real SQLite file: a bad battle anywhere
 * refuses the whole file and names `file:line`; importing again adds nothing ("0 new, N already present"); a battle's
 * identity is its `id` when given, else its content; FastChat's battle records (JSON Lines with extra keys, and the
 * JSON array of a clean_battle export) import directly, with contender names in any script.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';

function setup(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'saima-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'saima.yaml');
  writeFileSync(config, JSON.stringify({
    auth: { mode: 'none' },
    store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: { 'qwen-max': mockContender('qwen-max'), 'deepseek-chat': mockContender('deepseek-chat') },
    races: { assistant: { champion: 'qwen-max', challengers: [{ contender: 'deepseek-chat', weight: 10 }] } },
  }));
  const count = async () => {
    const store = await openStore(`sqlite:${join(dir, 'saima.db')}`);
    try {
      return (await store.battles.pairCounts()).reduce((s, r) => s + r.n, 0);
    } finally {
      await store.close();
    }
  };
  const write = (name: string, lines: unknown[]) => {
    const file = join(dir, name);
    writeFileSync(file, `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`);
    return file;
  };
  return { dir, config, count, write };
}

const battle = (k: number) => ({ race: 'assistant', prompt: `question ${k}`, contender_a: k % 2 ? 'qwen-max' : 'deepseek-chat', contender_b: k % 2 ? 'deepseek-chat' : 'qwen-max', winner: ['a', 'b', 'tie'][k % 3], ts: 1_700_000_000_000 + k });

test('a bad battle at line 15,001 refuses the whole file, named file:line; nothing is stored', async (t) => {
  const { config, count, write } = setup(t);
  const lines: unknown[] = Array.from({ length: 15_000 }, (_, k) => battle(k));
  lines.push({ ...battle(15_000), winner: 'left' });
  const file = write('bad.jsonl', lines);
  const r = await runCli(['arena', 'import', file, '-c', config], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:15001: winner: `));
  assert.equal(await count(), 0, 'no battle of a refused file is stored');

  const notJson = write('broken.jsonl', [battle(1), battle(2), '{"race": "assistant", "prompt": ']);
  const broken = await runCli(['arena', 'import', notJson, '-c', config]);
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /broken\.jsonl:3: not valid JSON/);
  assert.equal(await count(), 0);

  // A file with no line breaks is refused at a bound, not read into memory whole.
  const long = write('long.jsonl', [battle(1), `{"prompt": "${'x'.repeat(17 * 1024 * 1024)}"}`]);
  const tooLong = await runCli(['arena', 'import', long, '-c', config]);
  assert.equal(tooLong.code, 1);
  assert.match(tooLong.stderr, /long\.jsonl:2: a line longer than 16777216 characters/);
  assert.equal(await count(), 0);
});

test('re-importing is a no-op; identity is the id field, else the content', async (t) => {
  const { config, count, write } = setup(t);
  const file = write('battles.jsonl', Array.from({ length: 300 }, (_, k) => battle(k)));
  const first = await runCli(['arena', 'import', file, '-c', config]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /imported 300 battles from .*: 300 new, 0 already present/);
  const again = await runCli(['arena', 'import', file, '-c', config]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /: 0 new, 300 already present/);
  assert.equal(await count(), 300);

  // An overlapping file: 100 old battles and 50 new; a line repeated inside the file counts once.
  const overlap = write('overlap.jsonl', [...Array.from({ length: 150 }, (_, k) => battle(200 + k)), battle(349)]);
  const more = await runCli(['arena', 'import', overlap, '-c', config]);
  assert.match(more.stdout, /imported 151 battles .*: 50 new, 101 already present/);
  assert.equal(await count(), 350);

  // With an id, the id is the identity: a corrected copy of a battle does not add a second one.
  const ids = write('ids.jsonl', [{ ...battle(1000), id: 'vote-1' }, { ...battle(1001), id: 'vote-2' }]);
  assert.match((await runCli(['arena', 'import', ids, '-c', config])).stdout, /2 new, 0 already present/);
  const corrected = write('ids2.jsonl', [{ ...battle(1000), winner: 'b', id: 'vote-1' }]);
  assert.match((await runCli(['arena', 'import', corrected, '-c', config])).stdout, /0 new, 1 already present/);
  assert.equal(await count(), 352);
});

test("FastChat's battle records and clean_battle export import directly, names in any script", async (t) => {
  const { dir, config, count, write } = setup(t);
  // The record shape FastChat's clean_battle_data.py writes, extra keys included.
  const fc = (k: number, a: string, b: string, winner: string) => ({
    question_id: `q${k}`, model_a: a, model_b: b, winner, judge: `arena_user_${k % 7}`, conversation_a: null, conversation_b: null,
    turn: 1, anony: true, language: k % 2 ? 'Chinese' : 'English', tstamp: 1_700_000_000.25 + k, dedup_tag: { high_freq: false, sampled: true }, category_tag: {},
    conv_metadata: { sum_assistant_a_tokens: 120 + k, sum_assistant_b_tokens: 80, header_count_a: { h1: 1, h2: 0 }, header_count_b: { h1: 0 }, list_count_a: { ordered: 2, unordered: 1 }, list_count_b: { ordered: 0 }, bold_count_a: { '**': 3 }, bold_count_b: { '**': 0 } },
  });
  const winners = ['model_a', 'model_b', 'tie', 'tie (bothbad)'];
  const records = Array.from({ length: 40 }, (_, k) => fc(k, k % 2 ? '通义千问' : 'gpt-4-0613', k % 2 ? 'gpt-4-0613' : '通义千问', winners[k % 4]!));
  const jsonl = write('fastchat.jsonl', records);
  const r = await runCli(['arena', 'import', jsonl, '--race', 'assistant', '-c', config]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 40 battles .*: 40 new, 0 already present/);

  // The clean_battle export is one indented JSON array (json.dump(..., indent=2)); 10 of its battles are new.
  const array = join(dir, 'clean_battle_20240101.json');
  const exported = [...records.slice(0, 30), ...Array.from({ length: 10 }, (_, k) => fc(100 + k, 'claude-2.1', '通义千问', 'model_a'))];
  writeFileSync(array, JSON.stringify(exported, null, 2));
  const e = await runCli(['arena', 'import', array, '--race', 'assistant', '-c', config]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stdout, /imported 40 battles .*: 10 new, 30 already present/);
  assert.equal(await count(), 50);

  const board = await runCli(['leaderboard', '--race', 'assistant', '--rounds', '50', '--json', '-c', config]);
  assert.equal(board.code, 0, board.stderr);
  const b = JSON.parse(board.stdout) as { battles: number; data: Array<{ contender: string; battles: number }> };
  assert.equal(b.battles, 50);
  assert.equal(b.data.find((x) => x.contender === '通义千问')?.battles, 50);
  const store = await openStore(`sqlite:${join(dir, 'saima.db')}`);
  t.after(() => store.close());
  const one = (await store.battles.list({ race: 'assistant', limit: 100 })).find((x) => x.ts === 1_700_000_000_250);
  assert.ok(one, 'tstamp seconds became ms');
  assert.deepEqual([one.contenderA, one.winner, one.voter, one.language, one.styleA], ['gpt-4-0613', 'a', 'arena_user_0', 'en', { tokens: 120, headers: 1, lists: 3, bold: 3 }]);

  // A bad element inside the array is named by the line it starts on, and nothing of the file is stored.
  const bad = join(dir, 'bad_export.json');
  writeFileSync(bad, JSON.stringify([fc(200, 'a-model', 'b-model', 'model_a'), { ...fc(201, 'a-model', 'b-model', 'model_a'), winner: 'left' }], null, 2));
  const refused = await runCli(['arena', 'import', bad, '-c', config]);
  assert.equal(refused.code, 1);
  const startLine = JSON.stringify([fc(200, 'a-model', 'b-model', 'model_a'), 0], null, 2).split('\n').findIndex((l) => l === '  0') + 1;
  assert.match(refused.stderr, new RegExp(`bad_export\\.json:${startLine}: winner: `));
  assert.equal(await count(), 50);
});

test('a large FastChat export imports off-thread with the same guarantees: file:line of the first bad battle, nothing stored, a set', async (t) => {
  const { dir, config, count, write } = setup(t);
  // Plain records (no conversation or metadata, the shape a fast path checks by hand), over 1 MiB, so the file is
  // read on the import thread; one odd record of each kind the hand check leaves to the schema.
  const plain = (k: number) => ({ question_id: `q${k}`, model_a: k % 2 ? '通义千问' : 'gpt-4-0613', model_b: k % 2 ? 'gpt-4-0613' : '通义千问', winner: ['model_a', 'model_b', 'tie', 'tie (bothbad)'][k % 4], judge: `arena_user_${k % 7}`, tstamp: 1_700_000_000 + k, language: k % 3 ? 'English' : 'Chinese', anony: true });
  const records: unknown[] = Array.from({ length: 12_000 }, (_, k) => plain(k));
  records[5] = { ...plain(5), language: 'constructor' }; // not a language name: unknown, not Object's constructor
  records[6] = { ...plain(6), conversation_a: [{ role: 'user', content: 'hello' }], conv_metadata: { sum_assistant_a_tokens: 9, sum_assistant_b_tokens: 3 } };
  const ok = write('export.jsonl', records);
  const first = await runCli(['arena', 'import', ok, '-c', config], { timeoutMs: 60_000 });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /imported 12000 battles .*: 12000 new, 0 already present/);
  const again = await runCli(['arena', 'import', ok, '-c', config], { timeoutMs: 60_000 });
  assert.match(again.stdout, /: 0 new, 12000 already present/);
  assert.equal(await count(), 12_000);
  const store = await openStore(`sqlite:${join(dir, 'saima.db')}`);
  try {
    const byTs = new Map((await store.battles.list({ limit: 10_000, since: 1_700_000_000_000, until: 1_700_000_010_000 })).map((b) => [b.ts, b]));
    assert.equal(byTs.get(1_700_000_005_000)?.language, null);
    assert.deepEqual(byTs.get(1_700_000_006_000)?.styleA, { tokens: 9, headers: 0, lists: 0, bold: 0 });
    assert.equal(byTs.get(1_700_000_003_000)?.language, 'zh');
  } finally {
    await store.close();
  }

  // A bad battle deep in the file, and a line of broken JSON after it in the same chunk: the bad battle is named.
  const bad = records.map((r, k) => (k < 11_000 ? { ...(r as object), question_id: `b${k}` } : r));
  bad[10_500] = { ...plain(10_500), model_b: 'gpt-4-0613', model_a: 'gpt-4-0613' };
  const lines = bad.map((r) => JSON.stringify(r));
  lines[10_510] = '{"model_a": ';
  const file = write('bad.jsonl', lines);
  const r = await runCli(['arena', 'import', file, '-c', config], { timeoutMs: 60_000 });
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /bad\.jsonl:10501: model_b: a contender cannot battle itself/);
  assert.equal(await count(), 12_000, 'none of the 10,500 good new battles before it is stored');
});

test('a battle keeps its id and prompt hash from earlier versions, read here or on the import thread, so old imports stay present', async (t) => {
  const { dir, config, count, write } = setup(t);
  // Ids and prompt hashes as the import stored them before the import wrote FastChat records straight to columns
  // (a quoted, backslashed judge included: the content id is the hash of the fields' JSON, escapes and all).
  const pinned: Array<[unknown, string, string]> = [
    [{ question_id: 'q-7', model_a: 'gpt-4', model_b: '通义千问', winner: 'tie (bothbad)', judge: 'arena_user_1', language: 'Chinese', tstamp: 1700000000.123, turn: 1 },
      'battle_t0loyw3v5n_5914e03bc8b0d2b2166139a6e7ae62c8', '78ed2e2a4da20c1884d213cf015885eae157c5705ae7dbd5cb9531ef0662f65c'],
    [{ question_id: 42, model_a: 'claude-v1', model_b: 'gpt-4', winner: 'model_b', judge: 'a "quoted" \\ judge' },
      'battle_62ca6995aac9aabf1f265862138fe969', 'aa3b7a679b65c85d16115d11e12b4ec12e4c761ccd95b02087e8e001e2e82b57'],
    [{ id: 'fc-1', model_a: 'claude-v1', model_b: 'gpt-4', winner: 'model_a' },
      'battle_5e67379e11bbd9790c609ce74b7dd3a2', '529ed3993fae856b28fa28499fa9b059eefc610ec2592864187929b241188038'],
    [{ prompt: 'What is 2+2?', contender_a: 'qwen-max', contender_b: 'deepseek-chat', winner: 'a', ts: 1700000000000 },
      'battle_t0loyw3v28_cebf8901f5fcaba9516e4205af2575c2', '52cb6b5e4a038af1756708f98afb718a08c75b87b2f03dbee4dd9c8139c15c5e'],
  ];
  const small = write('small.jsonl', pinned.map(([line]) => line));
  assert.match((await runCli(['arena', 'import', small, '-c', config])).stdout, /: 4 new, 0 already present/);
  const store = await openStore(`sqlite:${join(dir, 'saima.db')}`);
  try {
    const stored = new Map((await store.battles.list({ limit: 10 })).map((b) => [b.id, b.promptHash]));
    assert.deepEqual(stored, new Map(pinned.map(([, id, hash]) => [id, hash])));
  } finally {
    await store.close();
  }
  // The same four among 6,000 others (over 1 MiB: read on the import thread) are present, not new.
  const filler = Array.from({ length: 6000 }, (_, k) => ({ question_id: `f${k}`, model_a: 'gpt-4', model_b: 'claude-v1', winner: 'tie', judge: `arena_user_${k}`, tstamp: 1_600_000_000 + k, language: 'English' }));
  filler[10] = { ...filler[10]!, judge: 'arena\u0000user' }; // any string crosses between the threads intact
  const large = write('large.jsonl', [...filler.slice(0, 3000), ...pinned.map(([line]) => line), ...filler.slice(3000)]);
  const r = await runCli(['arena', 'import', large, '-c', config], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 6004 battles .*: 6000 new, 4 already present/);
  assert.equal(await count(), 6004);
  const reopened = await openStore(`sqlite:${join(dir, 'saima.db')}`);
  try {
    const tenth = (await reopened.battles.list({ since: 1_600_000_010_000, until: 1_600_000_010_001 }))[0];
    assert.deepEqual([tenth?.voter, tenth?.language, tenth?.source], ['arena\u0000user', 'en', 'human']);
  } finally {
    await reopened.close();
  }
});

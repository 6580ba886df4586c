/**
 * In-flight spend survives a crash. Budgeted calls are journaled before their upstream call; `kill -9` the gateway
 * while 20 of them are with a slow upstream that serves (and bills) every one, restart it: each call the upstream
 * received is in the log — as a row or as a `lost` row charged at its reservation — and the budget counts them all,
 * so it does not admit that money again. A lost row keeps the protocol of the front door its call came through.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { appendFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { AdmissionFile } from '../../src/store/admission-file.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { serveChild, serveOnSqlite } from '../support/cli.js';

const IN_FLIGHT = 20;
const MAX_TOKENS = 100;
// Output only, 10 CNY per million: each call reserves 100 × 10 / 1e6 = 0.001 CNY; the budget is sized for 30.
const PER_CALL_NANOS = MAX_TOKENS * 10 * 1_000;

/** A gateway on a fresh SQLite file: no auth, silent, `lines` naming its contenders, races and budgets. */
function serveBudgeted(t: TestContext, lines: readonly string[]) {
  return serveOnSqlite(t, ['auth: { mode: none }', 'log: { level: silent }', ...lines]);
}

/** An OpenAI-compatible contender on `url`, priced at output only (10 CNY per million tokens). */
const contender = (name: string, url: string) => `  ${name}: { provider: openai, base_url: "${url}", api_key: sk-upstream-test, model: ${name}-1, price: { input: 0, output: 10 } }`;

/** Waits until the upstream has received `n` requests. */
async function reached(up: { requests: unknown[] }, n: number): Promise<number> {
  for (let i = 0; i < 200 && up.requests.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  return up.requests.length;
}

/**
 * `kill -9` the gateway, start it again on the same store, and assert that the calls it had in flight are `lost`
 * rows matching `where`, each at its reservation, and that the first budget counts them.
 */
async function killRestartAndCount(t: TestContext, first: { child: ChildProcess; exited: Promise<unknown>; db: string }, where: string, what: string): Promise<void> {
  first.child.kill('SIGKILL');
  await first.exited;
  const second = await serveChild(t, first.db.replace(/saima\.db$/, 'saima.yaml'));
  const db = new Database(first.db, { readonly: true });
  t.after(() => db.close());
  const lost = db.prepare(`select count(*) as n, sum(cost_nanos) as spent from requests where outcome = 'lost' and ${where}`).get() as { n: number; spent: number };
  assert.deepEqual([lost.n, lost.spent], [IN_FLIGHT, IN_FLIGHT * PER_CALL_NANOS], `each ${what} the upstream served is a lost row at its reservation`);
  const budget = ((await (await fetch(`${second.url}/admin/budgets`)).json()) as { data: Array<{ spent: number }> }).data[0]!;
  assert.equal(Math.round(budget.spent * 1e9), IN_FLIGHT * PER_CALL_NANOS, 'the budget counts them');
}

test('after kill -9 with budgeted calls in flight, a restart charges each at its reservation', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 3_000 });
  t.after(() => up.close());
  const first = await serveBudgeted(t, [
    'contenders:',
    contender('m', up.url),
    'races:',
    '  r: { champion: m }',
    'budgets:',
    `  day: { race: r, period: day, limit: ${(30 * PER_CALL_NANOS) / 1e9}, currency: CNY }`,
  ]);
  const ask = (url: string, i: number) =>
    fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `q ${i}` }] }) });
  const inflight = Array.from({ length: IN_FLIGHT }, (_, i) => ask(first.url, i).catch(() => null));
  assert.equal(await reached(up, IN_FLIGHT), IN_FLIGHT, 'every call reached the upstream');
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok((await Promise.all(inflight)).every((r) => r === null), 'no client saw an answer');

  const conn = () => new Database(first.db, { readonly: true });
  const before = conn();
  assert.equal((before.prepare('select count(*) as n from requests').get() as { n: number }).n, 0, 'no row was written before the kill');
  assert.equal(AdmissionFile.read(first.db).length, IN_FLIGHT, 'every admitted call is journaled');
  before.close();

  // The upstream served (and billed) all of them meanwhile; the restarted gateway must count that money.
  const cfg = first.db.replace(/saima\.db$/, 'saima.yaml');
  const second = await serveChild(t, cfg);
  const db = conn();
  t.after(() => db.close());
  const lost = db.prepare("select count(*) as n, sum(cost_nanos) as spent from requests where outcome = 'lost'").get() as { n: number; spent: number };
  assert.deepEqual([lost.n, lost.spent], [IN_FLIGHT, IN_FLIGHT * PER_CALL_NANOS], 'upstream calls served = rows + lost rows');
  assert.equal(AdmissionFile.read(first.db).length, 0, 'the journal is cleared once its calls are logged');
  const budget = ((await (await fetch(`${second.url}/admin/budgets`)).json()) as { data: Array<{ spent: number }> }).data[0]!;
  assert.equal(Math.round(budget.spent * 1e9), IN_FLIGHT * PER_CALL_NANOS, 'the budget counts the lost calls');
  // 10 calls' worth is left: the next 15 get 10 answers, not 15.
  const after = await Promise.all(Array.from({ length: 15 }, (_, i) => ask(second.url, 100 + i)));
  assert.equal(after.filter((r) => r.status === 200).length, 10);
  assert.equal(after.filter((r) => r.status === 429).length, 5);
});

test('after kill -9, each lost call keeps the protocol of the front door it came through', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 3_000 });
  t.after(() => up.close());
  const first = await serveBudgeted(t, [
    'contenders:',
    contender('m', up.url),
    'races:',
    '  r: { champion: m }',
    'budgets:',
    `  day: { race: r, period: day, limit: ${(30 * PER_CALL_NANOS) / 1e9}, currency: CNY }`,
  ]);
  // Half through the Anthropic SDK (Messages, translated for this OpenAI contender), half as chat completions.
  const anthropic = new Anthropic({ baseURL: first.url, apiKey: 'unused-key', maxRetries: 0 });
  const inflight = Array.from({ length: IN_FLIGHT }, (_, i) =>
    i % 2 === 0
      ? anthropic.messages.create({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `m ${i}` }] }).catch(() => null)
      : fetch(`${first.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `c ${i}` }] }) }).catch(() => null),
  );
  assert.equal(await reached(up, IN_FLIGHT), IN_FLIGHT, 'every call reached the upstream');
  first.child.kill('SIGKILL');
  await first.exited;
  assert.ok((await Promise.all(inflight)).every((r) => r === null), 'no client saw an answer');

  const journal = AdmissionFile.read(first.db);
  const byProtocol = (p: string) => journal.filter((e) => e.protocol === p).length;
  assert.deepEqual([byProtocol('chat'), byProtocol('messages')], [IN_FLIGHT / 2, IN_FLIGHT / 2], 'the journal keeps each call\'s protocol');
  // An entry an older gateway left in the journal table, before the table kept the protocol (null), reads as chat:
  // one chat call is moved from the file (marked done there) to the table as such an entry.
  const moved = journal.find((e) => e.protocol === 'chat')!;
  appendFileSync(new AdmissionFile(first.db).path, `-${moved.id}\n`);
  const raw = new Database(first.db);
  raw.prepare('insert into admissions (id, ts, expires_at, team, key_id, race, contender, upstream_model, reserved_nanos, currency) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(moved.id, moved.ts, moved.expires_at, moved.team, moved.key_id, moved.race, moved.contender, moved.upstream_model, moved.reserved_nanos, moved.currency);
  raw.close();

  const second = await serveChild(t, first.db.replace(/saima\.db$/, 'saima.yaml'));
  const db = new Database(first.db, { readonly: true });
  t.after(() => db.close());
  const lost = db.prepare("select protocol, count(*) as n, sum(cost_nanos) as spent from requests where outcome = 'lost' group by protocol order by protocol").all();
  assert.deepEqual(lost, [
    { protocol: 'chat', n: IN_FLIGHT / 2, spent: (IN_FLIGHT / 2) * PER_CALL_NANOS },
    { protocol: 'messages', n: IN_FLIGHT / 2, spent: (IN_FLIGHT / 2) * PER_CALL_NANOS },
  ]);
  const budget = ((await (await fetch(`${second.url}/admin/budgets`)).json()) as { data: Array<{ spent: number }> }).data[0]!;
  assert.equal(Math.round(budget.spent * 1e9), IN_FLIGHT * PER_CALL_NANOS, 'the budget counts the lost calls of both doors');
});

test('after kill -9 with shadow calls in flight, a restart charges each shadow at its reservation', async (t) => {
  const served = await startBillingUpstream({ honours: 'max_tokens', delayMs: 0 });
  const shadowed = await startBillingUpstream({ honours: 'max_tokens', delayMs: 3_000 });
  t.after(() => served.close());
  t.after(() => shadowed.close());
  const first = await serveBudgeted(t, [
    'contenders:',
    contender('m', served.url),
    contender('s', shadowed.url),
    'races:',
    '  r: { champion: m, shadow: { contender: s, rate: 1 } }',
    'budgets:',
    `  shadow: { contender: s, period: day, limit: ${(30 * PER_CALL_NANOS) / 1e9}, currency: CNY }`,
  ]);
  // Half the served calls come through the Messages door: their shadows' lost rows say so, as their rows would.
  const ask = (i: number) =>
    fetch(`${first.url}/v1/${i % 2 === 0 ? 'messages' : 'chat/completions'}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'r', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: `q ${i}` }] }) });
  const answers = await Promise.all(Array.from({ length: IN_FLIGHT }, (_, i) => ask(i)));
  assert.ok(answers.every((r) => r.status === 200), 'the served calls are answered at once');
  assert.equal(await reached(shadowed, IN_FLIGHT), IN_FLIGHT, 'every shadow call reached its upstream');
  await killRestartAndCount(t, first, "source = 'shadow' and contender = 's'", 'shadow');
  const db = new Database(first.db, { readonly: true });
  t.after(() => db.close());
  const byProtocol = db.prepare("select protocol, count(*) as n from requests where outcome = 'lost' group by protocol order by protocol").all();
  assert.deepEqual(byProtocol, [{ protocol: 'chat', n: IN_FLIGHT / 2 }, { protocol: 'messages', n: IN_FLIGHT / 2 }]);
});

test('after kill -9 with arena match calls in flight, a restart charges each answer at its reservation', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 3_000 });
  t.after(() => up.close());
  const first = await serveBudgeted(t, [
    'contenders:',
    contender('a', up.url),
    contender('b', up.url),
    'races:',
    '  r: { champion: a, challengers: [{ contender: b, weight: 50 }] }',
    'budgets:',
    `  day: { race: r, period: day, limit: ${(30 * PER_CALL_NANOS) / 1e9}, currency: CNY }`,
  ]);
  const inflight = Array.from({ length: IN_FLIGHT / 2 }, (_, i) =>
    fetch(`${first.url}/v1/arena/match`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ race: 'r', prompt: `q ${i}`, max_tokens: MAX_TOKENS }) }).catch(() => null),
  );
  assert.equal(await reached(up, IN_FLIGHT), IN_FLIGHT, 'both answers of every match reached the upstream');
  const killed = killRestartAndCount(t, first, "source = 'arena'", 'answer');
  assert.ok((await Promise.all(inflight)).every((r) => r === null), 'no voter saw a match');
  await killed;
});

test('after kill -9 with judge calls of judged shadows in flight, a restart charges each at its reservation', async (t) => {
  const answers = await startBillingUpstream({ honours: 'max_tokens', delayMs: 0 });
  const judge = await startBillingUpstream({ honours: 'max_tokens', delayMs: 3_000 });
  t.after(() => answers.close());
  t.after(() => judge.close());
  const first = await serveBudgeted(t, [
    'contenders:',
    contender('m', answers.url),
    contender('s', answers.url),
    // The judge is sent (and reserved at) its own output cap: the calls' 100 tokens.
    `${contender('j', judge.url).slice(0, -2)}, max_output_tokens: ${MAX_TOKENS} }`,
    'races:',
    '  r: { champion: m, capture: true, shadow: { contender: s, rate: 1, judge: j, judge_rate: 1 } }',
    'budgets:',
    `  judge: { contender: j, period: day, limit: ${(30 * PER_CALL_NANOS) / 1e9}, currency: CNY }`,
  ]);
  // Each judged shadow asks the judge twice (both orders): 10 requests put 20 judge calls in flight.
  const asked = await Promise.all(
    Array.from({ length: IN_FLIGHT / 2 }, (_, i) =>
      fetch(`${first.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: `q ${i}` }] }) }),
    ),
  );
  assert.ok(asked.every((r) => r.status === 200), 'the served calls are answered at once');
  assert.equal(await reached(judge, IN_FLIGHT), IN_FLIGHT, 'both judge calls of every shadow reached the judge');
  await killRestartAndCount(t, first, "source = 'judge' and contender = 'j'", 'judge call');
});

/**
 * The admission journal of a gateway on a SQLite file (store/admission-file.ts): what an earlier process left open is
 * recovered as `lost` rows (a torn last line is a call that never went upstream), a claimant deciding alone counts the
 * gateway's open entries as holds, the file holds what is in flight, not history, and a journal that cannot be
 * written refuses the call before it goes upstream.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { recoverLostAdmissions } from '../../src/gateway/admission-journal.js';
import { ClaimedBudget } from '../../src/gateway/claimed-budget.js';
import { AdmissionFile } from '../../src/store/admission-file.js';
import { openStore } from '../../src/store/index.js';
import { lostRow } from '../../src/store/repos/admissions.js';
import type { AdmissionsTable } from '../../src/store/schema.js';
import { startBillingUpstream } from '../support/fake-billing-upstream.js';
import { startTestGateway } from '../support/gateway.js';

function tempDb(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'saima-admission-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'saima.db');
}

const entry = (id: string, nanos: number, ts = Date.now()): AdmissionsTable => ({
  id, ts, expires_at: ts + 120_000, team: null, key_id: null, race: null, contender: 'x', upstream_model: 'x-1',
  reserved_nanos: nanos, currency: 'CNY', owner: 'gateway:test', protocol: 'chat',
});

test('recovery logs the open entries an earlier process left as lost rows, skips done and logged ones and a torn line, and clears the file', async (t) => {
  const file = tempDb(t);
  const store = await openStore(`sqlite:${file}`);
  t.after(() => store.close());
  const journal = new AdmissionFile(file);
  for (const id of ['a', 'b', 'c', 'd']) journal.openMany([entry(id, 1_000_000)]);
  journal.done('b');
  journal.flush();
  // `c`'s row was committed, its done mark not yet written when the process died.
  const now = Date.now();
  await store.requestLog.append({ ...lostRow(entry('c', 1_000_000)), outcome: 'ok', errorCode: null, errorMessage: null, shadow: false, status: 200, costNanos: 5 });
  journal.close();
  // A write the crash cut short: that call's `open` never returned, so it never went upstream.
  appendFileSync(journal.path, '+{"id":"e","ts":1,"reserved_na');
  assert.deepEqual(AdmissionFile.read(file).map((e) => e.id), ['a', 'c', 'd']);

  assert.equal(await recoverLostAdmissions(store, now), 2);
  const rows = await store.db.selectFrom('requests').select(['id', 'outcome', 'cost_nanos']).orderBy('id').execute();
  assert.deepEqual(rows.map((r) => [r.id, r.outcome, Number(r.cost_nanos)]), [['a', 'lost', 1_000_000], ['c', 'ok', 5], ['d', 'lost', 1_000_000]]);
  assert.deepEqual(AdmissionFile.read(file), [], 'the file is cleared once the lost rows are committed');
  assert.equal(await recoverLostAdmissions(store, now), 0, 'a second start finds nothing to charge again');
});

test('the file holds the calls in flight, not history: past a few MB it is rewritten with the open entries only', (t) => {
  const file = tempDb(t);
  const journal = new AdmissionFile(file);
  t.after(() => journal.close());
  const keep = ['keep-1', 'keep-2', 'keep-3'];
  for (const id of keep) journal.openMany([entry(id, 7)]);
  // ~6 MB of calls that come and go, each done before the next few are admitted.
  for (let i = 0; i < 30_000; i++) {
    journal.openMany([entry(`call-${i}`, 1)]);
    if (i >= 2) journal.done(`call-${i - 2}`);
  }
  journal.done('call-29998');
  journal.done('call-29999');
  journal.flush();
  assert.ok(statSync(journal.path).size < 4.5 * 1024 * 1024, `the file stays bounded (${statSync(journal.path).size} bytes)`);
  assert.deepEqual(AdmissionFile.read(file).map((e) => e.id), keep, 'the calls still in flight survive every rewrite');
  assert.equal(journal.inFlight, 3);
});

test('a claimant deciding alone (no gateway beating) counts the open entries of the journal file as holds', async (t) => {
  const file = tempDb(t);
  const store = await openStore(`sqlite:${file}`);
  t.after(() => store.close());
  const config = buildConfig({
    store: `sqlite:${file}`,
    contenders: { x: { provider: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'k', model: 'x-1', price: { input: 0, output: 10, currency: 'CNY' } } },
    budgets: { day: { limit: 1, currency: 'CNY', period: 'day' } },
  });
  const claims = new ClaimedBudget(store, config);
  const ctx = { team: null, keyId: null, race: null, contender: 'x', source: 'eval' };
  // The gateway has 0.7 CNY in flight: a 0.5 CNY call does not fit a 1 CNY budget.
  const journal = new AdmissionFile(file);
  t.after(() => journal.close());
  journal.openMany([entry('in-flight', 0.7e9)]);
  const refused = await claims.reserve(ctx, 0.5e9, 'CNY');
  assert.ok('exceeded' in refused, 'refused while the gateway\'s call is open');
  // Its row came back and was marked done: the hold is gone.
  journal.done('in-flight');
  journal.flush();
  const granted = await claims.reserve(ctx, 0.5e9, 'CNY');
  assert.ok(!('exceeded' in granted) && granted.id !== null, 'granted once the gateway\'s call is done');
});

test('a journal that cannot be written refuses the budgeted call before it goes upstream, charges nothing, and recovers without a restart', async (t) => {
  const up = await startBillingUpstream({ honours: 'max_tokens', delayMs: 0 });
  t.after(() => up.close());
  const gw = await startTestGateway(t, {
    contenders: { m: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'm-1', price: { input: 0, output: 10, currency: 'CNY' } } },
    races: { r: { champion: 'm' } },
    budgets: { day: { race: 'r', period: 'day', limit: 1, currency: 'CNY' } },
  });
  // The journal's path taken by a directory (a full or broken disk alike): the write before the call fails.
  const path = new AdmissionFile(gw.dbFile).path;
  mkdirSync(path, { recursive: true });
  const ask = () => fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }) });
  const refused = await ask();
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'service_unavailable');
  assert.equal(up.requests.length, 0, 'nothing went upstream unjournaled');
  const budget = async () => ((await (await fetch(`${gw.url}/admin/budgets`)).json()) as { data: Array<{ spent: number; reserved: number }> }).data[0]!;
  const held = await budget();
  assert.deepEqual([held.spent, held.reserved], [0, 0], 'nothing charged, nothing held');
  // The path is writable again: the next call is journaled and served.
  rmSync(path, { recursive: true });
  const served = await ask();
  assert.equal(served.status, 200);
  assert.equal(up.requests.length, 1);
  for (let i = 0; i < 50 && AdmissionFile.read(gw.dbFile).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(AdmissionFile.read(gw.dbFile).length, 0, 'its entry is marked done once its row is committed');
});

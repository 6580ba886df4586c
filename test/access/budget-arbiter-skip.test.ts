/**
 * The arbiter skips reading the claims while nothing can have changed them (store/repos/budget-claims.ts). Its
 * hostile path: a CLI claimant dies holding a granted claim, and nothing else ever commits. No other connection's
 * commit and no claim write here will force a read, yet the claim must still be charged at its reservation as a
 * `lost` row once it expires, and the budget must keep holding it until then. Time is the arbiter's clock, not a wait.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { buildConfig } from '../../src/config/load.js';
import { BudgetArbiter } from '../../src/gateway/budget-arbiter.js';
import { BudgetLedger, type BudgetDef } from '../../src/metering/budgets.js';
import { openStore } from '../../src/store/index.js';

const BUDGET: BudgetDef = { name: 'lab-month', scope: { team: 'lab' }, period: 'month', limitNanos: 1_000, currency: 'CNY', softRatio: 0.8, downgradeTo: null, webhook: null };

test('a granted claim whose maker died is logged as lost at expiry though nothing else commits to the store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-arbiter-skip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'saima.db');
  const store = await openStore(`sqlite:${file}`);
  t.after(() => store.close());
  let clock = Date.now();
  const ledger = new BudgetLedger([BUDGET], { timeZone: 'UTC', fx: { CNY: 1, USD: 7 }, now: () => clock });
  const config = buildConfig({ contenders: { c: { provider: 'mock', model: 'm' } } });
  const arbiter = new BudgetArbiter(store, config, ledger, { id: 'gw-test', now: () => clock, onError: (err) => assert.fail(String(err)) });
  await arbiter.inventory();

  // The claimant, in its own process: a pending claim for 600 of the 1,000 nanos, its call over within 5 s.
  const cli = new Database(file);
  t.after(() => cli.close());
  cli.prepare("insert into admissions (id, ts, expires_at, team, contender, reserved_nanos, currency, owner, state, source) values ('claim_1', ?, ?, 'lab', 'c', 600, 'CNY', 'cli-dead', 'pending', 'eval')").run(clock, clock + 5_000);
  await arbiter.tick();
  assert.equal((cli.prepare("select state from admissions where id = 'claim_1'").get() as { state: string }).state, 'granted');
  const probe = { team: 'lab', keyId: null, contender: 'c', race: null };
  const tooMuch = ledger.reserve(probe, 500, 'CNY');
  assert.ok(!('holds' in tooMuch), 'the granted claim holds 600 of the budget');

  // The claimant dies. The arbiter reads once more after its own decision, then has nothing left to read.
  await arbiter.tick();
  await arbiter.tick();
  assert.equal(store.claims.unchangedSinceRead(), true, 'the arbiter is skipping reads now');

  clock += 4_000;
  await arbiter.tick();
  assert.ok(cli.prepare("select 1 from admissions where id = 'claim_1'").get(), 'not expired yet: still held');
  assert.equal(cli.prepare("select 1 from requests where id = 'claim_1'").get(), undefined, 'no lost row yet');

  clock += 2_000;
  await arbiter.tick();
  const row = cli.prepare("select outcome, cost_nanos, team from requests where id = 'claim_1'").get() as { outcome: string; cost_nanos: number; team: string } | undefined;
  assert.deepEqual(row, { outcome: 'lost', cost_nanos: 600, team: 'lab' }, 'charged at its reservation as a lost row');
  assert.equal(cli.prepare("select 1 from admissions where id = 'claim_1'").get(), undefined, 'the expired claim is removed');
  const after = ledger.reserve(probe, 500, 'CNY');
  assert.ok(!('holds' in after), 'the lost call stays charged: 600 spent, 500 more does not fit');
});

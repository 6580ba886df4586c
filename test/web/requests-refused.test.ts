/**
 * The Requests page shows requests refused at admission: the "refused" status finds a minute's refusals of the lab
 * team's spent budget as one row with its count and reason, in English and Chinese, at phone width without
 * scrolling sideways; the row opens the refusals' own record (never a 404); a total past 100,000 reads "100,000+".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { assertNoSidewaysScroll, ensureWebBuild, launchBrowser, newPage, PHONE, screenshot, signIn, waitForExpression } from '../support/browser.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';

const PRICE = { input: 0, output: 10, currency: 'CNY' };
const REFUSED = 37;

test('requests page: the refused filter shows a minute of refusals as one row with its count and reason', async (t) => {
  ensureWebBuild();
  // 5 s into the current minute, moving with real time: every refusal below falls in one minute.
  const start = Date.now();
  const minute = start - (start % 60_000);
  const { url, gw } = await startTestGateway(
    t,
    {
      auth: { mode: 'keys' },
      contenders: { 'house-model': mockContender('house-7b', {}, { price: PRICE }) },
      races: { assistant: { champion: 'house-model' } },
      // Less than one call reserves: the lab's calls are all refused.
      budgets: { 'lab-daily': { team: 'lab', period: 'day', limit: 1e-6, currency: 'CNY' } },
    },
    { now: () => minute + 5_000 + (Date.now() - start) },
  );
  const post = async (path: string, key: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const lab = (await post('/admin/keys', TEST_ADMIN_KEY, { team: 'lab', scopes: ['chat'] })).body;
  for (let i = 0; i < 3; i++) assert.equal((await post('/v1/chat/completions', TEST_ADMIN_KEY, { model: 'assistant', max_tokens: 20, messages: [{ role: 'user', content: `served ${i}` }] })).status, 200);
  for (let i = 0; i < REFUSED; i++) {
    const r = await post('/v1/chat/completions', String(lab.key), { model: 'assistant', max_tokens: 200, messages: [{ role: 'user', content: `refused ${i}` }] });
    assert.equal(r.status, 429);
  }
  await gw.store.requestLog.flush();
  await gw.store.refusalLog.flush();

  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await signIn(page, url, TEST_ADMIN_KEY);
  await page.getByTestId('nav-requests').click();
  // Unfiltered: the served calls and the refusals' row, counted as four entries.
  await page.getByTestId('refusal-row').waitFor();
  assert.equal(await page.getByTestId('request-row').count(), 3);
  assert.equal(await page.getByTestId('requests-count').textContent(), '1–4 of 4');

  await page.getByTestId('filter-status').selectOption('refused');
  await waitForExpression(page, `document.querySelectorAll('[data-testid="request-row"]').length === 0 && document.querySelectorAll('[data-testid="refusal-row"]').length === 1`);
  const row = page.getByTestId('refusal-row');
  assert.equal(await row.getAttribute('data-count'), String(REFUSED));
  assert.equal(await row.getAttribute('data-code'), 'budget_exceeded');
  assert.equal(await row.getByTestId('refusal-status').textContent(), '429 refused: budget spent');
  assert.equal(await row.getByTestId('refusal-count').textContent(), `×${REFUSED}`);
  assert.match((await row.getByTestId('refusal-reason').textContent()) ?? '', new RegExp(`Budget 'lab-daily' is spent for this period\\. · key ${String(lab.id)}`));
  const cells = await row.locator('td').allTextContents();
  assert.deepEqual([cells[1], cells[2], cells[3], cells[8]], ['assistant', 'house-model', '—', 'lab']);
  // The minute it covers, start and end.
  assert.match(cells[0]!, /\d\d:\d\d:00–\d\d:\d\d:00$/, cells[0]);
  assert.equal(await page.getByTestId('requests-count').textContent(), '1–1 of 1');
  await screenshot(page, 'requests-refused');

  // The row opens the refusals' own record (a refused call has no request row: its id used to answer 404).
  await row.click();
  const detail = page.getByTestId('refusal-detail');
  await detail.waitFor();
  assert.equal(await page.getByTestId('request-drawer').locator('.banner-error').count(), 0, 'no error in the drawer');
  assert.equal(await detail.getByTestId('refusal-detail-count').textContent(), String(REFUSED));
  assert.equal(await detail.getByTestId('refusal-detail-reason').textContent(), "Budget 'lab-daily' is spent for this period.");
  assert.match((await detail.getByTestId('refusal-detail-first-id').textContent()) ?? '', /^req_/);
  assert.match((await detail.textContent()) ?? '', /no upstream call was made/);
  await page.keyboard.press('Escape');
  await detail.waitFor({ state: 'detached' });

  // Chinese: the status, the reason's label and the count are translated.
  await page.getByTestId('lang-switch').selectOption('zh');
  await waitForExpression(page, `document.querySelector('[data-testid="refusal-status"]')?.textContent === '429 已拒绝：预算已用完'`);
  assert.equal(await page.getByTestId('filter-status').locator('option[value="refused"]').textContent(), '已拒绝');
  // The reason, in the row, its hover and its record, is said in Chinese too (the stored message is English).
  assert.equal(await row.getByTestId('refusal-reason').textContent(), `预算 'lab-daily' 本周期已用完。 · 密钥 ${String(lab.id)}`);
  assert.match((await row.getAttribute('title')) ?? '', / 之间拒绝了 37 个请求：预算 'lab-daily' 本周期已用完。$/);
  await row.click();
  assert.equal(await page.getByTestId('refusal-detail-reason').textContent(), "预算 'lab-daily' 本周期已用完。");
  assert.match((await page.getByTestId('refusal-detail').textContent()) ?? '', /没有调用上游/);
  await page.keyboard.press('Escape');
  await page.getByTestId('lang-switch').selectOption('en');

  // A phone: the row's reason wraps inside the table's panel; the page never scrolls sideways.
  const phone = await newPage(browser, { viewport: PHONE });
  await signIn(phone.page, url, TEST_ADMIN_KEY);
  await phone.page.getByTestId('nav-requests').click();
  await phone.page.getByTestId('filter-status').selectOption('refused');
  await phone.page.getByTestId('refusal-row').waitFor();
  await assertNoSidewaysScroll(phone.page, 'requests, refused');

  // A window past 100,000 entries: the total is counted that far and reads "100,000+".
  await sql`with recursive g(n) as (select 1 union all select n + 1 from g where n < 100005)
    insert into requests (id, ts, contender, team, shadow, stream, status, outcome, attempts, latency_ms, prompt_tokens, completion_tokens, reasoning_tokens, cached_tokens, usage_estimated, cost_nanos, currency)
    select 'req_bulk_' || n, cast(${minute - 3_600_000} as bigint) + n, 'house-model', 'admin', 0, 0, 200, 'ok', 1, 5, 1, 1, 0, 0, 0, 0, 'CNY' from g`.execute(gw.store.db);
  await page.getByTestId('filter-status').selectOption('');
  await page.getByTestId('filter-since').selectOption('7d');
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–50 of 100,000+'`);

  assert.deepEqual([...errors, ...phone.errors], []);
});

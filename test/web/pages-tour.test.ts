/**
 * Every page of the dashboard in a real browser, with a screenshot of each under test-results/: spend (chart with
 * the budget lines on the axis of their scale and labelled with their value, a budget refusing calls below 100 %
 * shown as refusing, spend by source with eval and arena spend beside served calls, table, CSV export, prompt
 * calibration), requests (filters, the detail drawer with timing and captured text), the
 * Chinese UI, and a phone-width layout that never scrolls sideways.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { assertNoSidewaysScroll, ensureWebBuild, launchBrowser, newPage, PHONE, screenshot, signIn, waitForExpression } from '../support/browser.js';
import { seededGateway } from './seed.js';
import { seedEvalRun } from './seed-evals.js';

test('dashboard tour: spend, requests, Chinese UI, phone width', async (t) => {
  ensureWebBuild();
  // Besides the support team's daily budget, a tiny one for the lab team: far below a day's bars, and it refuses
  // calls while part of it is still unspent (what remains is less than a call reserves).
  const gw = await seededGateway(t, {
    budgets: {
      'support-daily': { team: 'support', period: 'day', limit: 0.12, soft_pct: 80 },
      'lab-daily': { team: 'lab', period: 'day', limit: 0.004 },
    },
  });
  const api = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const labKey = String((await api('POST', '/admin/keys', gw.adminKey, { team: 'lab', scopes: ['chat'] })).body.key);
  const labStatuses: number[] = [];
  for (let i = 0; i < 10 && !labStatuses.includes(429); i++) {
    labStatuses.push((await api('POST', '/v1/chat/completions', labKey, { model: 'house-model', user: 'lab', max_tokens: 20, messages: [{ role: 'user', content: `Lab question ${i}: how do I reset my password?` }] })).status);
  }
  assert.ok(labStatuses.includes(200) && labStatuses.at(-1) === 429, `lab calls: ${labStatuses.join(', ')}`);
  // Spend that is not served traffic: an eval run, and a blind arena match.
  await seedEvalRun(gw.gw.store, gw.gw.ctx.config);
  assert.equal((await api('POST', '/v1/arena/match', gw.adminKey, { race: 'assistant', prompt: 'How do I reset my password?' })).status, 201);
  // The match's answers are written in the background: wait until both are logged.
  for (let i = 0; ; i++) {
    await gw.gw.store.requestLog.flush();
    const bySource = (await api('GET', '/admin/spend?by=source', gw.adminKey)).body.data as { key: { source: string }; requests: number }[];
    if ((bySource.find((g) => g.key.source === 'arena')?.requests ?? 0) >= 2) break;
    assert.ok(i < 100, 'the arena answers were logged');
    await new Promise((r) => setTimeout(r, 50));
  }
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await page.goto(`${gw.url}/ui/`);
  await page.getByTestId('login-form').waitFor();
  await screenshot(page, 'login');
  await page.getByTestId('login-key').fill('sk-saima-not-a-real-key-0000000000000000000000');
  await page.getByTestId('login-submit').click();
  await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
  assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused key is not kept');
  await signIn(page, gw.url, gw.adminKey);
  assert.equal(await page.evaluate("sessionStorage.getItem('saima.key')"), gw.adminKey);
  assert.equal(await page.evaluate("localStorage.getItem('saima.key')"), null, 'the key never reaches localStorage');

  // Spend: seven days stacked by contender, the daily budgets drawn, CSV with every group.
  await page.getByTestId('nav-spend').click();
  // The chart draws the daily budgets once /admin/budgets has answered: the support team's on the bars' axis, the
  // lab's (under a tenth of a day's bars) on its own axis on the right, each line labelled with its value.
  const chart = page.locator('[data-testid="spend-chart"][data-budgets="2"]');
  await chart.waitFor();
  const lines = JSON.parse((await chart.getAttribute('data-budget-lines'))!) as { name: string; limit: number; axis: string }[];
  assert.deepEqual(lines.map((l) => [l.name, l.limit, l.axis]).sort(), [['lab-daily', 0.004, 'right'], ['support-daily', 0.12, 'left']]);
  const chartText = (await chart.locator('svg text').allTextContents()).join(' | ');
  assert.match(chartText, /Budget lab-daily: ¥0\.0040/, chartText);
  assert.match(chartText, /Budget support-daily: ¥0\.1200/, chartText);
  assert.match(chartText, /Budgets/, 'the right-hand axis is named');
  // Where the lab's line is drawn: its label sits well above the bars' floor, not flat on ¥0.
  const floorY = await chart.evaluate((el) => Math.max(...[...el.querySelectorAll('svg text')].filter((n) => n.textContent === '¥0.00').map((n) => n.getBoundingClientRect().top)));
  const labY = await chart.evaluate((el) => [...el.querySelectorAll('svg text')].find((n) => n.textContent?.startsWith('Budget lab-daily:'))!.getBoundingClientRect().top);
  assert.ok(floorY - labY > 100, `the lab budget's label is ${floorY - labY}px above the floor`);
  assert.ok((await page.getByTestId('spend-table').locator('tbody tr').count()) >= 7);
  await page.getByTestId('budget-support-daily').waitFor();
  // The lab's budget refuses calls below 100 %: its card says so, not just a percentage.
  const lab = page.getByTestId('budget-lab-daily');
  assert.equal(await lab.getAttribute('data-state'), 'refusing');
  assert.equal(await page.getByTestId('budget-state-lab-daily').textContent(), 'Refusing calls');
  assert.match((await lab.textContent()) ?? '', /\((\d|[1-9]\d)\.\d%\)/, 'refusing below 100 %');
  assert.match((await page.getByTestId('budget-refusal-lab-daily').textContent()) ?? '', /refusing calls against this budget.*1 refused/);
  assert.equal(await page.getByTestId('budget-support-daily').getAttribute('data-state'), 'open');
  // Spend by source: served calls beside the eval run, the arena match; every source has a row.
  for (const s of ['gateway', 'shadow', 'eval', 'gate', 'arena', 'judge']) await page.getByTestId(`spend-source-${s}`).waitFor();
  for (const s of ['gateway', 'eval', 'arena']) assert.ok(Number(await page.getByTestId(`spend-source-${s}`).getAttribute('data-requests')) > 0, `${s} spend shown`);
  assert.match((await page.getByTestId('spend-source-eval').textContent()) ?? '', /Eval runs eval\s*[\d,]+\s*¥0\.\d*[1-9]/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('spend-export').click()]);
  const csv = readFileSync((await download.path())!, 'utf8');
  assert.match(csv, /^\ufeff?day,contender,currency,requests,prompt_tokens,completion_tokens,cost\r\n/);
  assert.match(csv, /house-model,CNY,\d+,/);
  // Prompt calibration: billed over estimated prompt tokens per contender (the mock bills what we estimate: 1×).
  const calibration = page.getByTestId('spend-calibration');
  await calibration.locator('td', { hasText: 'house-model' }).first().waitFor();
  assert.match((await calibration.locator('tbody tr').first().textContent()) ?? '', /\d+\s*1\.00\s*1\.00/);
  await page.getByTestId('spend-by').selectOption('source');
  await page.getByTestId('spend-table').locator('td', { hasText: 'eval' }).first().waitFor();
  await page.getByTestId('spend-by').selectOption('team');
  await page.getByTestId('spend-table').locator('td', { hasText: 'support' }).first().waitFor();
  // Stacked by team, the lab's own spend is drawn on its budget's axis beside its budget line.
  await chart.locator('svg text', { hasText: 'lab spend (right axis)' }).waitFor();
  await screenshot(page, 'spend');

  // Requests: filter by contender, open one, see the timing breakdown and the captured prompt and answer.
  await page.getByTestId('nav-requests').click();
  await page.getByTestId('request-row').first().waitFor();
  await page.getByTestId('filter-contender').selectOption('outside-model');
  await waitForExpression(page, `[...document.querySelectorAll('[data-testid="request-row"]')].every((r) => r.textContent.includes('outside-model'))`);
  await page.getByTestId('request-row').first().click();
  const drawer = page.getByTestId('request-drawer');
  await drawer.getByTestId('timing').waitFor();
  assert.match((await drawer.getByTestId('request-prompt').textContent()) ?? '', /how do I reset my password/);
  assert.match((await drawer.getByTestId('request-answer').textContent()) ?? '', /careful answer/);
  await screenshot(page, 'requests');
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });

  // Filters run on the server over the whole window, pages carry a total: a week of rows is several pages.
  await page.getByTestId('filter-contender').selectOption('');
  await page.getByTestId('filter-since').selectOption('7d');
  await waitForExpression(page, `/^1–50 of \\d/.test(document.querySelector('[data-testid="requests-count"]')?.textContent ?? '')`);
  const apiTotal = async (q: string) => ((await (await fetch(`${gw.url}/admin/requests?${q}`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).json()) as { total: number }).total;
  const week = await apiTotal('since=7d');
  assert.ok(week > 100, `${week} rows in the week`);
  assert.equal(await page.getByTestId('requests-count').textContent(), `1–50 of ${week}`);
  await page.getByTestId('requests-older').click();
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '51–100 of ${week}'`);
  await page.getByTestId('requests-newer').click();
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–50 of ${week}'`);
  const okRows = await apiTotal('since=7d&outcome=ok');
  await page.getByTestId('filter-status').selectOption('ok');
  await waitForExpression(page, `(document.querySelector('[data-testid="requests-count"]')?.textContent ?? '').endsWith(' of ${okRows}')`);
  const errorRows = await apiTotal('since=7d&outcome=error');
  await page.getByTestId('filter-status').selectOption('error');
  if (errorRows > 0) {
    await waitForExpression(page, `(document.querySelector('[data-testid="requests-count"]')?.textContent ?? '').endsWith(' of ${errorRows}')`);
    assert.ok((await page.getByTestId('request-row').allTextContents()).every((r) => /error/.test(r)));
  } else await page.getByText('No requests match these filters.').waitFor();
  await page.getByTestId('filter-status').selectOption('');
  await page.getByTestId('filter-since').selectOption('1d');

  // A request id finds its row whenever it was served: the first of the week, six days back, with the window at a day.
  const oldest = gw.requestIds[0]!;
  await page.getByTestId('filter-id').fill(oldest);
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–1 of 1'`);
  await page.getByTestId('request-row').click();
  assert.equal(await page.getByTestId('request-drawer').locator('h2').textContent(), `Request ${oldest.slice(0, 16)}`);
  assert.equal(await page.getByTestId('filter-since').inputValue(), 'any');
  await page.keyboard.press('Escape');
  await page.getByTestId('filter-id').fill('');
  await waitForExpression(page, `document.querySelector('[data-testid="filter-since"]')?.value === '1d'`);

  // The canary race: the monitor's sequential tests per metric of the challenger.
  await page.getByTestId('nav-races').click();
  await page.getByTestId('race-tab-search').click();
  const seq = page.getByTestId('sequential-house-model');
  await seq.locator('.chip').first().waitFor();
  assert.match((await seq.textContent()) ?? '', /errors: (within margin|inconclusive|too few samples|harm)/);
  assert.match((await page.getByTestId('race-search').textContent()) ?? '', /policy canary/);
  await screenshot(page, 'races-monitor');

  // Chinese: the switch in the header changes every label and is remembered.
  await page.getByTestId('nav-races').click();
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByText('流量权重变化').waitFor();
  assert.equal(await page.getByTestId('nav-spend').textContent(), '花费');
  await screenshot(page, 'races-zh');
  await page.getByTestId('nav-spend').click();
  assert.equal(await page.getByTestId('budget-state-lab-daily').textContent(), '正在拒绝调用');
  await page.getByTestId('spend-source-eval').getByText('评测运行').waitFor();
  await page.locator('[data-testid="spend-chart"] svg text', { hasText: '预算 lab-daily: ¥0.0040' }).waitFor();
  await screenshot(page, 'spend-zh');
  await page.getByTestId('nav-races').click();
  await page.reload();
  await page.getByText('流量权重变化').waitFor();
  await page.getByTestId('lang-switch').selectOption('en');

  // A phone: everything stacks, tables scroll inside their panels, the page itself never scrolls sideways.
  const phone = await newPage(browser, { viewport: PHONE, locale: 'zh-CN' });
  await signIn(phone.page, gw.url, gw.adminKey);
  await phone.page.getByTestId('weights-chart').waitFor();
  assert.equal(await phone.page.getByTestId('nav-races').textContent(), '赛道', 'a zh-CN browser starts in Chinese');
  await assertNoSidewaysScroll(phone.page, 'races');
  await screenshot(phone.page, 'races-phone');
  await phone.page.getByTestId('nav-requests').click();
  await phone.page.getByTestId('request-row').first().waitFor();
  await assertNoSidewaysScroll(phone.page, 'requests');
  await phone.page.getByTestId('nav-spend').click();
  await phone.page.getByTestId('spend-chart').waitFor();
  await assertNoSidewaysScroll(phone.page, 'spend');
  await screenshot(phone.page, 'spend-phone');

  // A team key: no manual race controls, and only its own team's requests.
  const team = await newPage(browser);
  await signIn(team.page, gw.url, gw.teamKeys.support);
  await team.page.getByTestId('weights-chart').waitFor();
  await team.page.getByText('Manual changes need a key with the admin scope.').waitFor();
  assert.equal(await team.page.getByTestId('action-rollback').count(), 0);
  await team.page.getByTestId('nav-requests').click();
  await team.page.getByTestId('request-row').first().waitFor();
  const teams = await team.page.getByTestId('request-row').locator('td:nth-child(9)').allTextContents();
  assert.ok(teams.length > 0 && teams.every((x) => x === 'support'), `only support rows: ${[...new Set(teams)].join(', ')}`);

  assert.deepEqual([...errors, ...phone.errors, ...team.errors], []);
});

/**
 * In a real browser: a blind arena round (prompt, two anonymous answers streaming in — a partial answer is on
 * screen before it ends and voting waits for both — a vote by keyboard, names revealed only after it), then the leaderboard with the vote counted, ratings with CI whiskers, eval columns beside the
 * ratings (the memoriser's gap flagged), serving cost per 1k requests, the rank columns explained (rank held: the
 * share of usable bootstrap rounds), the win-rate matrix with its battles per pair, and the language filter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoSidewaysScroll, ensureWebBuild, launchBrowser, newPage, PHONE, screenshot, signIn, waitForExpression } from '../support/browser.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';
import { seedBattles } from './seed-arena.js';
import { seedEvalRun } from './seed-evals.js';

const NAMES = ['house-model', 'outside-model', 'small-model'];

test('arena vote reveals the names; leaderboard shows ratings beside evals and cost', async (t) => {
  ensureWebBuild();
  const gw = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: {
      // Slow writers (tokens_per_s), so an answer can be seen half-written.
      'house-model': mockContender('house-7b', { latency_ms: 20, tokens_per_s: 8, default_answer: 'Open Settings, choose Security, then Reset password and follow the link we email you.' }),
      'outside-model': mockContender('outside-v3', { latency_ms: 40, tokens_per_s: 8, default_answer: 'Go to the login page and click "Forgot password".' }, { price: { input: 4, output: 12, currency: 'CNY' } }),
      'small-model': mockContender('small-1b', { latency_ms: 5, tokens_per_s: 8, default_answer: 'Reset it, then sign in again with the new password.' }),
    },
    races: { assistant: { champion: 'house-model', challengers: [{ contender: 'outside-model', weight: 30 }, { contender: 'small-model', weight: 20 }], capture: true } },
  });
  await seedBattles(gw.url, TEST_ADMIN_KEY);
  await seedEvalRun(gw.gw.store, gw.gw.ctx.config);
  await Promise.all(Array.from({ length: 30 }, (_, i) => gw.client.chat.completions.create({ model: 'assistant', user: `u${i}`, messages: [{ role: 'user', content: `How do I reset my password? (${i})` }] })));
  await gw.gw.store.requestLog.flush();

  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await signIn(page, gw.url, TEST_ADMIN_KEY);

  // Arena: two anonymous answers, no name anywhere until the vote.
  await page.getByTestId('nav-arena').click();
  await page.getByTestId('arena-prompt').fill('How do I reset my password?');
  await page.getByTestId('arena-send').click();
  // A side still being written already shows its first words, and no vote is offered yet.
  const seen = await waitForExpression<{ side: 'A' | 'B'; text: string }>(
    page,
    `(() => { for (const s of ['A', 'B']) { const el = document.querySelector('[data-testid="arena-side-' + s + '"][data-state="streaming"] pre'); const text = el ? el.textContent.replace('▍', '').trim() : ''; if (text.length > 0) return { side: s, text }; } return null; })()`,
    { pollMs: 20 },
  );
  assert.equal(await page.getByTestId('arena-votes').count(), 0, 'no vote while an answer is being written');
  await page.getByTestId('arena-votes').waitFor();
  const answers = [await page.getByTestId('arena-answer-A').textContent(), await page.getByTestId('arena-answer-B').textContent()];
  assert.ok(answers.every((a) => a && a.length > 5), 'both answers arrived');
  const full = answers[seen.side === 'A' ? 0 : 1]!;
  assert.ok(full.startsWith(seen.text) && full.length > seen.text.length, `"${seen.text}" was a partial answer of "${full}"`);
  const body = (await page.textContent('main')) ?? '';
  assert.ok(!NAMES.some((n) => body.includes(n)), 'no contender is named before the vote');
  await screenshot(page, 'arena');
  await page.locator('body').press('1');
  const revealed = page.getByTestId('arena-revealed');
  await revealed.waitFor();
  const nameA = (await page.getByTestId('arena-name-A').textContent())!;
  const nameB = (await page.getByTestId('arena-name-B').textContent())!;
  assert.ok(NAMES.includes(nameA) && NAMES.includes(nameB) && nameA !== nameB);
  assert.match((await revealed.textContent()) ?? '', new RegExp(`A was ${nameA}, B was ${nameB}`));
  await screenshot(page, 'arena-revealed');

  // Leaderboard: 180 seeded battles plus this vote, three rated contenders with whiskers and the eval columns.
  await page.getByTestId('nav-leaderboard').click();
  await page.locator('[data-testid="ratings-chart"][data-rows="3"]').waitFor();
  const battles = async () => (await page.getByTestId('leaderboard-table').locator('tbody tr td:nth-child(6)').allTextContents()).reduce((s, x) => s + Number(x), 0);
  assert.equal(await battles(), 2 * 181, 'each battle counts for both contenders');
  const outside = page.getByTestId('lb-row-outside-model');
  await outside.locator('.chip-bad').waitFor();
  assert.match((await outside.textContent()) ?? '', /gap flagged/);
  assert.match((await page.getByTestId('lb-row-house-model').textContent()) ?? '', /no significant gap/);
  assert.match((await outside.locator('td').nth(10).textContent()) ?? '', /^¥\d/, 'cost per 1k requests');
  const firstRank = page.getByTestId('leaderboard-table').locator('tbody tr').first();
  assert.match((await firstRank.textContent()) ?? '', /house-model/);
  // The rank columns explained on the page: the rank held is the share of the usable bootstrap rounds that kept
  // the order, said in the header's tooltip and in the legend with the number of rounds.
  const api = (await (await fetch(`${gw.url}/v1/arena/leaderboard?race=assistant`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as {
    method: { usable_rounds: number; bootstrap_rounds: number };
    data: Array<{ contender: string; rank_held: number | null }>;
    win_rates: { contenders: string[]; observed: Array<Array<number | null>>; battles: number[][] };
  };
  for (const row of api.data) assert.equal(await page.getByTestId(`rank-held-${row.contender}`).textContent(), `${(100 * row.rank_held!).toFixed(0)}%`);
  const heldHelp = `Share of the ${api.method.usable_rounds} usable bootstrap rounds (of ${api.method.bootstrap_rounds}) in which the contender kept its place`;
  assert.ok((await page.getByTestId('lb-head-rank-held').getAttribute('title'))?.startsWith(heldHelp));
  assert.ok((await page.getByTestId('lb-legend-rank-held').textContent())?.startsWith(heldHelp));
  assert.match((await page.getByTestId('lb-head-stability').getAttribute('title')) ?? '', /all k samples of an item are correct/);
  assert.match((await page.getByTestId('lb-legend').textContent()) ?? '', /Rank range.*intervals allow.*Rank held.*Stability \(pass\^k\)/s);
  // The win-rate matrix: P(row beats column) with the battles behind it, as the API reports it, best row first.
  const matrix = page.getByTestId('win-rate-matrix');
  assert.equal(await matrix.getAttribute('data-size'), '3');
  const { contenders, observed, battles: met } = api.win_rates;
  assert.equal(contenders[0], 'house-model');
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      if (i === j) continue;
      const cell = page.getByTestId(`wr-${contenders[i]}-${contenders[j]}`);
      assert.equal(Number(await cell.getAttribute('data-battles')), met[i]![j]);
      assert.ok(met[i]![j]! > 0);
      assert.equal((await cell.textContent())?.replace(/\s+/g, ' '), `${(100 * observed[i]![j]!).toFixed(0)}%n ${met[i]![j]}`);
      assert.ok(Math.abs(observed[i]![j]! + observed[j]![i]! - 1) < 1e-9, 'the two sides of a pair add up to one');
    }
  }
  assert.match((await page.getByTestId(`wr-house-model-small-model`).getAttribute('title')) ?? '', /^house-model beat small-model in \d+% of \d+ battles; the ratings predict \d+%\.$/);
  await screenshot(page, 'leaderboard', { docs: true });

  await page.getByTestId('lb-language').selectOption('zh');
  await waitForExpression(page, `[...document.querySelectorAll('[data-testid="leaderboard-table"] tbody tr td:nth-child(6)')].reduce((s, td) => s + Number(td.textContent), 0) === 120`);
  // What the numbers rest on: usable bootstrap rounds, and a badge on every row with fewer than 100 battles.
  assert.match((await page.getByTestId('lb-rounds').textContent()) ?? '', /^Intervals from \d+ of 1000 bootstrap rounds/);
  const perRow = (await page.getByTestId('leaderboard-table').locator('tbody tr td:nth-child(6)').allTextContents()).map(Number);
  assert.ok(perRow.some((n) => n > 0 && n < 100), `the zh slice has thin rows: ${perRow}`);
  assert.equal(await page.locator('[data-testid^="few-battles-"]').count(), perRow.filter((n) => n > 0 && n < 100).length);

  // On a phone the two answers stack and the wide leaderboard table scrolls inside its panel.
  const phone = await newPage(browser, { viewport: PHONE });
  await signIn(phone.page, gw.url, TEST_ADMIN_KEY);
  await phone.page.getByTestId('nav-leaderboard').click();
  await phone.page.getByTestId('leaderboard-table').waitFor();
  await assertNoSidewaysScroll(phone.page, 'leaderboard');
  await screenshot(phone.page, 'leaderboard-phone');
  await phone.page.getByTestId('nav-arena').click();
  await phone.page.getByTestId('arena-prompt').fill('你好，怎么重置密码？');
  await phone.page.getByTestId('arena-send').click();
  await phone.page.getByTestId('arena-votes').waitFor();
  await assertNoSidewaysScroll(phone.page, 'arena');
  await screenshot(phone.page, 'arena-phone');
  assert.deepEqual([...errors, ...phone.errors], []);
});

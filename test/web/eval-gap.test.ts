/**
 * In a real browser: the evals list shows a run made by the real runner; its page shows the score per contender,
 * originals vs twins per twin kind, and the gaming gap flagged for the contender that only knows the published
 * items (and not for the one that answers twins as well), with both answers of its worst items.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertNoSidewaysScroll, ensureWebBuild, launchBrowser, newPage, PHONE, screenshot, signIn } from '../support/browser.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';
import { seedEvalRun } from './seed-evals.js';

test('evals: open a run and see the flagged gaming gap with the worst items', async (t) => {
  ensureWebBuild();
  const gw = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { 'house-model': mockContender('house-7b'), 'outside-model': mockContender('outside-v3'), 'small-model': mockContender('small-1b') },
  });
  const runId = await seedEvalRun(gw.gw.store, gw.gw.ctx.config);

  const api = await fetch(`${gw.url}/admin/evals/${runId}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
  assert.equal(api.status, 200);
  const report = (await api.json()) as { contenders: Array<{ contender: string; gap: { flagged: boolean } | null }> };
  assert.deepEqual(report.contenders.map((c) => [c.contender, c.gap?.flagged]), [['house-model', false], ['outside-model', true], ['small-model', false]]);

  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await signIn(page, gw.url, TEST_ADMIN_KEY);
  await page.getByTestId('nav-evals').click();
  const row = page.getByTestId(`eval-run-${runId}`);
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /arithmetic-bilingual/);
  await screenshot(page, 'evals');

  await row.getByRole('link').click();
  await page.waitForURL(new RegExp(`/ui/evals/${runId}$`));
  const flagged = page.getByTestId('gap-outside-model');
  await flagged.waitFor();
  assert.match((await flagged.textContent()) ?? '', /gap flagged/);
  assert.match((await page.getByTestId('gap-house-model').textContent()) ?? '', /no significant gap/);
  await page.locator('[data-testid="eval-scores"][data-rows="3"]').waitFor();
  // Originals vs twins: the memoriser's twins collapse on both kinds, each verdict flagged.
  for (const kind of ['resample-numbers', 'rename-entities']) {
    assert.match((await page.getByTestId(`verdict-outside-model-${kind}`).textContent()) ?? '', /gap flagged/);
  }
  const worst = page.getByTestId('worst-item').filter({ hasText: 'outside-model' }).first();
  await worst.waitFor();
  const texts = await worst.locator('pre').allTextContents();
  assert.equal(texts.length, 2, 'the original answer and the twin answer side by side');
  assert.match(texts[0]!, /Answer: \d+/);
  assert.match(texts[1]!, /I am not sure/);
  await screenshot(page, 'eval-run', { docs: true });

  const phone = await newPage(browser, { viewport: PHONE });
  await signIn(phone.page, gw.url, TEST_ADMIN_KEY);
  await phone.page.goto(`${gw.url}/ui/evals/${runId}`);
  await phone.page.getByTestId('gap-outside-model').waitFor();
  await assertNoSidewaysScroll(phone.page, 'eval run');
  await screenshot(phone.page, 'eval-run-phone');
  assert.deepEqual([...errors, ...phone.errors], []);
});

/**
 * In a real browser: sign in with a key, see the seeded race (weights history with its two past decisions, the
 * evidence per contender), roll the challenger back through the UI with a reason, and see the new decision's
 * marker, the zero weight and the audit row.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureWebBuild, launchBrowser, newPage, screenshot, signIn } from '../support/browser.js';
import { seededGateway } from './seed.js';

test('races page: seeded race, manual rollback with a reason, decision marker drawn', async (t) => {
  ensureWebBuild();
  const gw = await seededGateway(t);
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);

  await signIn(page, gw.url, gw.adminKey);
  await page.waitForURL(/\/ui\/races$/);
  const chart = page.getByTestId('weights-chart');
  await chart.waitFor();
  assert.equal(await chart.getAttribute('data-decisions'), '2');
  assert.equal((await page.getByTestId('weight-outside-model').textContent())?.trim(), '40%');
  // Evidence from the seeded traffic: both contenders served requests.
  const champion = page.getByTestId('contender-row-house-model');
  assert.ok(Number(await champion.locator('td').nth(3).textContent()) > 20);
  assert.ok(Number(await page.getByTestId('contender-row-outside-model').locator('td').nth(3).textContent()) > 5);
  await screenshot(page, 'races-before-rollback');

  // The buttons stay disabled until a reason is given; the gateway then logs it as a decision.
  const rollback = page.getByTestId('action-rollback');
  assert.equal(await rollback.isDisabled(), true);
  await page.getByTestId('action-contender').selectOption('outside-model');
  await page.getByTestId('action-reason').fill('p95 latency regression reported by support');
  await rollback.click();
  await page.getByTestId('action-message').filter({ hasText: 'outside-model' }).waitFor();

  await page.locator('[data-testid="weights-chart"][data-decisions="3"]').waitFor();
  assert.equal((await page.getByTestId('weight-outside-model').textContent())?.trim(), '0%');
  const newest = page.getByTestId('decision-row').first();
  assert.match((await newest.textContent()) ?? '', /rollback.*outside-model.*p95 latency regression reported by support/);
  // The decision marker: a pin per decision in the chart's SVG, and its tooltip shows the decision's numbers.
  const pins = chart.locator('svg path[fill="#dc2626"]');
  assert.ok((await pins.count()) >= 1, 'a red rollback pin is drawn');
  // Hover by coordinates from the top of the page, so the screenshot shows the header, the chart and the tooltip.
  await page.evaluate('window.scrollTo(0, 0)');
  const pin = (await pins.last().boundingBox())!;
  await page.mouse.move(pin.x + pin.width / 2, pin.y + pin.height / 2);
  await page.locator('text=p95 latency regression reported by support').first().waitFor();
  await screenshot(page, 'races', { docs: true });

  const stored = (await (await fetch(`${gw.url}/admin/races/assistant/decisions`, { headers: { authorization: `Bearer ${gw.adminKey}` } })).json()) as { data: Array<{ reason: string; details: { change: string; from: number } }> };
  assert.equal(stored.data[0]!.reason, 'p95 latency regression reported by support');
  assert.deepEqual(stored.data[0]!.details, { change: 'rollback', from: 40 });
  assert.deepEqual(errors, []);
});

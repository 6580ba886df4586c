/**
 * In a real browser, on `saima demo --fast`: the dashboard opens on the demo race without a key, labelled
 * simulated, with the walkthrough (English and Chinese); once the monitor has rolled back the in-house model and
 * promoted the outside one, the race page shows both decisions (pins and audit rows), the eval run shows the
 * in-house model's gaming gap, the leaderboard has rated the arena votes, and spend shows the budget. Screenshots
 * of each page land in test-results/ (and docs/img/demo-*.png for the README when asked).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDemo } from '../demo/demo-process.js';
import { ensureWebBuild, launchBrowser, newPage, screenshot } from '../support/browser.js';

test('demo dashboard: race decisions, gaming gap, leaderboard and budget, with a bilingual walkthrough', { timeout: 150_000 }, async (t) => {
  ensureWebBuild();
  const demo = await startDemo(t);
  const runLine = await demo.waitForLine(/eval run (run_[0-9a-f]+):/, 30_000);
  const runId = /eval run (run_[0-9a-f]+):/.exec(runLine)![1]!;
  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);

  // No key asked: the demo gateway runs without auth on loopback, and the link printed by the demo opens its race.
  await page.goto(`${demo.url}/ui/races/assistant?demo=1`);
  await page.getByTestId('walkthrough').waitFor();
  assert.match((await page.getByTestId('demo-badge').textContent()) ?? '', /simulated/);
  assert.match((await page.getByTestId('walkthrough').textContent()) ?? '', /traffic split/);

  await demo.waitForLine(/story complete/, 90_000);
  // The page polls every 5 s: wait for both decisions to reach the table.
  const rows = page.getByTestId('decision-row');
  await rows.filter({ hasText: /rollback\s*house-model\s*guardrail broken: error_rate/ }).first().waitFor({ timeout: 20_000 });
  await rows.filter({ hasText: /promote\s*outside-model\s*feedback significantly better/ }).first().waitFor({ timeout: 20_000 });
  // The rollback keeps the evidence it rested on, in a small table, though the live window has started afresh.
  const rolledBack = rows.filter({ hasText: /rollback\s*house-model/ }).first();
  await rolledBack.locator('summary').click();
  const errorRow = rolledBack.getByTestId('evidence-error_rate');
  await errorRow.waitFor();
  const [championN, challengerN] = ((await errorRow.getByTestId('evidence-n').textContent()) ?? '').split('/').map((x) => Number(x.replace(/[^\d]/g, '')));
  assert.ok(championN! > 0 && challengerN! > 0, `units per arm: ${championN} / ${challengerN}`);
  assert.match((await errorRow.getByTestId('evidence-p').textContent()) ?? '', /^[\d.e-]+ < [\d.e-]+$/, 'the harm p is below its α');
  assert.match((await errorRow.textContent()) ?? '', /harm/);
  assert.match((await rolledBack.getByTestId('evidence-window').textContent()) ?? '', /unit of analysis: users \(effective\)/);
  assert.doesNotMatch((await rolledBack.textContent()) ?? '', /\bkey:/, 'no internal key in the details');
  assert.equal((await page.getByTestId('race-champion').textContent())?.trim(), 'outside-model');
  // Reloaded, the race tabs show the new champion too; then hover the rollback pin to show its numbers.
  await page.reload();
  const chart = page.getByTestId('weights-chart');
  await chart.waitFor();
  assert.match((await page.getByTestId('race-tab-assistant').textContent()) ?? '', /outside-model/);
  const pinsDrawn = Number(await chart.getAttribute('data-decisions'));
  await page.locator('[data-testid="weights-chart"][data-colors*="house-model"]').waitFor();
  const raceColours = JSON.parse((await chart.getAttribute('data-colors'))!) as Record<string, string>;
  assert.deepEqual(Object.keys(raceColours).sort(), ['house-model', 'outside-model', 'small-model'].filter((n) => n in raceColours).sort());
  assert.ok(pinsDrawn >= 3, `decision pins: ${pinsDrawn}`);
  assert.equal(await chart.locator('svg path[fill="#dc2626"]').count(), 1, 'one red rollback pin');
  const promotePins = chart.locator('svg path[fill="#16a34a"]');
  assert.equal(await promotePins.count(), 1, 'one green promotion pin');
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'demo-races', { docs: true });
  const pin = (await promotePins.first().boundingBox())!;
  await page.mouse.move(pin.x + pin.width / 2, pin.y + pin.height / 2);
  await page.locator('text=Reason: feedback significantly better').first().waitFor();
  await screenshot(page, 'demo-races-promotion');

  // The walkthrough follows the header's language switch.
  await page.getByTestId('lang-switch').selectOption('zh');
  await page.getByTestId('walkthrough').filter({ hasText: '流量分配' }).waitFor();
  await screenshot(page, 'demo-races-zh');
  await page.getByTestId('lang-switch').selectOption('en');

  // The gate's verdicts are on the Evals page: the in-house model failed on contamination, the outside one passed.
  await page.goto(`${demo.url}/ui/evals`);
  const houseGate = page.getByTestId('gate-assistant-house-model').first();
  await houseGate.waitFor();
  assert.equal((await houseGate.getByTestId('gate-verdict').textContent())?.trim(), 'FAIL');
  assert.match((await houseGate.getByTestId('gate-check-contamination').textContent()) ?? '', /^✗ contamination: .*p = .* < α = .*significant/);
  assert.equal((await page.getByTestId('gate-assistant-outside-model').first().getByTestId('gate-verdict').textContent())?.trim(), 'PASS');

  await page.goto(`${demo.url}/ui/evals/${runId}`);
  const gap = page.getByTestId('gap-house-model');
  await gap.waitFor();
  assert.match((await gap.getAttribute('class')) ?? '', /chip-bad/);
  assert.match((await page.getByTestId('gap-outside-model').getAttribute('class')) ?? '', /chip-ok/);
  assert.match((await page.getByTestId('walkthrough').textContent()) ?? '', /gaming gap/);
  // The eval scores use the race's colours too.
  await page.locator('[data-testid="eval-scores"][data-colors*="house-model"]').waitFor();
  const evalColours = JSON.parse((await page.getByTestId('eval-scores').getAttribute('data-colors'))!) as Record<string, string>;
  assert.ok(Object.keys(raceColours).some((name) => name in evalColours), JSON.stringify(evalColours));
  for (const [name, colour] of Object.entries(raceColours)) if (name in evalColours) assert.equal(evalColours[name], colour, `eval colour of ${name}`);
  await screenshot(page, 'demo-evals', { docs: true });

  await page.goto(`${demo.url}/ui/leaderboard`);
  await page.getByTestId('lb-row-outside-model').waitFor();
  await page.getByTestId('ratings-chart').waitFor();
  await screenshot(page, 'demo-leaderboard');
  // One colour per contender on every page: the leaderboard's points match the race's areas, and differ.
  await page.locator('[data-testid="ratings-chart"][data-colors*="outside-model"]').waitFor();
  const ratingColours = JSON.parse((await page.getByTestId('ratings-chart').getAttribute('data-colors'))!) as Record<string, string>;
  assert.equal(new Set(Object.values(ratingColours)).size, Object.keys(ratingColours).length, JSON.stringify(ratingColours));
  for (const [name, colour] of Object.entries(raceColours)) if (name in ratingColours) assert.equal(ratingColours[name], colour, name);

  await page.goto(`${demo.url}/ui/spend`);
  await page.getByTestId('budget-assistant-daily').waitFor();
  await page.locator('[data-testid="spend-chart"][data-colors*="house-model"]').waitFor();
  // The chart draws before the models list (which fixes each contender's colour) has loaded, in the grey of names
  // outside it, and recolours once it has: read its colours once that list is in.
  const spendColoursNow = async () => JSON.parse((await page.getByTestId('spend-chart').getAttribute('data-colors'))!) as Record<string, string>;
  let spendColours = await spendColoursNow();
  for (let i = 0; i < 100 && Object.entries(raceColours).some(([name, colour]) => name in spendColours && spendColours[name] !== colour); i++) {
    await page.waitForTimeout(100);
    spendColours = await spendColoursNow();
  }
  for (const [name, colour] of Object.entries(raceColours)) if (name in spendColours) assert.equal(spendColours[name], colour, `spend colour of ${name}`);
  await screenshot(page, 'demo-spend');

  // The arena page has its own step of the walkthrough, never the races page's text.
  await page.goto(`${demo.url}/ui/arena`);
  await page.getByTestId('walkthrough').filter({ hasText: 'Arena: blind battles' }).waitFor();
  assert.doesNotMatch((await page.getByTestId('walkthrough').textContent()) ?? '', /stacked areas are the traffic split/);

  // Dismissed, the walkthrough stays closed across pages until the badge brings it back.
  await page.getByTestId('walkthrough-close').click();
  await page.goto(`${demo.url}/ui/races/assistant`);
  await page.getByTestId('weights-chart').waitFor();
  assert.equal(await page.getByTestId('walkthrough').count(), 0);
  await page.getByTestId('demo-badge').click();
  await page.getByTestId('walkthrough').waitFor();

  assert.deepEqual(errors, []);
  for (const line of demo.lines) t.diagnostic(line);
  assert.equal(await demo.stop(), 0);
  assert.deepEqual(demo.egress(), []);
});

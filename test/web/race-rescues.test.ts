/**
 * In a real browser: a challenger whose calls fail is rescued by the champion. The races page counts those requests
 * against the assigned challenger (as the monitor does) and shows who served them; the requests page marks each
 * rescued request, and its detail lists the failed attempt (contender, error code, message, time).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ensureWebBuild, launchBrowser, newPage, screenshot, signIn } from '../support/browser.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';

interface FailedAttempt {
  contender: string;
  code: string;
  message: string;
  ms: number;
}

test('dashboard: race figures by assigned contender with rescued and served counts; a rescued request shows its failed attempt', async (t) => {
  ensureWebBuild();
  const up = await startFakeOpenAI({ answer: 'challenger answer' });
  t.after(() => up.close());
  const g = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: {
      champ: mockContender('champ-1', { default_answer: 'champion answer' }),
      chal: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'c', price: { input: 1, output: 1 }, retry: { max_retries: 0 } },
    },
    races: { r: { champion: 'champ', challengers: [{ contender: 'chal', weight: 100 }], sticky: false } },
    monitor: { enabled: false },
  });
  // Five calls, all assigned to the challenger: three fail (HTTP 500) and the champion rescues them.
  up.setFaults([{ kind: 'status', status: 500, message: 'the challenger is broken' }, { kind: 'ok' }, { kind: 'status', status: 500, message: 'the challenger is broken' }, { kind: 'ok' }, { kind: 'status', status: 500, message: 'the challenger is broken' }]);
  const served: string[] = [];
  const rescuedIds: string[] = [];
  for (let i = 0; i < 5; i++) {
    const { response } = await g.client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `q${i}` }] }).withResponse();
    served.push(response.headers.get('x-saima-contender')!);
    if (response.headers.get('x-saima-contender') === 'champ') rescuedIds.push(response.headers.get('x-saima-request-id')!);
  }
  assert.deepEqual(served, ['champ', 'chal', 'champ', 'chal', 'champ']);
  await g.gw.store.requestLog.flush();

  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await signIn(page, g.url, TEST_ADMIN_KEY);
  await page.goto(`${g.url}/ui/races/r`);
  await page.getByTestId('contender-row-chal').waitFor();
  const cell = async (id: string) => ((await page.getByTestId(id).textContent()) ?? '').trim();
  // The challenger was assigned all five and failed three (60 %), all three rescued; it served two.
  assert.equal(await cell('assigned-chal'), '5');
  assert.match(await cell('error-rate-chal'), /^60(\.0)?\s?%/);
  assert.equal(await cell('rescued-chal'), '3');
  assert.equal(await cell('served-chal'), '2');
  // The champion was assigned none and served the three rescues.
  assert.equal(await cell('assigned-champ'), '0');
  assert.equal(await cell('rescued-champ'), '0');
  assert.equal(await cell('served-champ'), '3');
  await screenshot(page, 'races-rescued');

  await page.getByTestId('nav-requests').click();
  await page.getByTestId('request-row').first().waitFor();
  const badges = page.getByTestId('rescued-from');
  assert.equal(await badges.count(), 3, 'each rescued request is marked in the list');
  assert.match((await badges.first().textContent()) ?? '', /rescued from chal/);

  // The newest rescued request's detail: who served, who was assigned, and why the assigned one failed.
  const id = rescuedIds.at(-1)!;
  const stored = (await (await fetch(`${g.url}/admin/requests/${id}`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } })).json()) as { failed_attempts: FailedAttempt[] };
  assert.equal(stored.failed_attempts.length, 1);
  const [failed] = stored.failed_attempts;
  await page.getByTestId('request-row').first().click();
  const drawer = page.getByTestId('request-drawer');
  await drawer.getByTestId('failed-attempts').waitFor();
  assert.equal(((await drawer.getByTestId('request-contender').textContent()) ?? '').trim(), 'champ');
  assert.match((await drawer.getByTestId('request-assigned').textContent()) ?? '', /^chal/);
  const rows = drawer.getByTestId('failed-attempt');
  assert.equal(await rows.count(), 1);
  const cells = (await rows.first().locator('td').allTextContents()).map((s) => s.trim());
  assert.equal(cells[0], 'chal');
  assert.equal(cells[1], failed!.code);
  assert.match(failed!.code, /^upstream_/);
  assert.equal(cells[2], failed!.message);
  assert.match(cells[2]!, /500|the challenger is broken/);
  assert.match(cells[3]!, /^\d[\d.,]*\s?(ms|s)$/, `the attempt's time is shown: ${cells[3]}`);
  await screenshot(page, 'request-rescued');
  assert.deepEqual(errors, []);
});

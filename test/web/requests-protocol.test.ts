/**
 * The Requests page says which front door each request came through: a protocol column (its path on hover), the
 * protocol in the request's detail beside the path it was called on, and a protocol filter applied by the API — in
 * English and in Chinese.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { ensureWebBuild, launchBrowser, newPage, screenshot, signIn, waitForExpression } from '../support/browser.js';
import { mockContender, startTestGateway, TEST_ADMIN_KEY } from '../support/gateway.js';

test('requests page: a protocol column, the protocol in the detail, and a protocol filter', async (t) => {
  ensureWebBuild();
  const { url, gw, client } = await startTestGateway(t, {
    auth: { mode: 'keys' },
    contenders: { 'house-model': mockContender('house-7b') },
    races: { assistant: { champion: 'house-model' } },
  });
  const anthropic = new Anthropic({ baseURL: url, apiKey: TEST_ADMIN_KEY, maxRetries: 0 });
  for (let i = 0; i < 2; i++) await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: `chat ${i}` }] });
  for (let i = 0; i < 3; i++) await anthropic.messages.create({ model: 'assistant', max_tokens: 50, messages: [{ role: 'user', content: `messages ${i}` }] });
  await client.responses.create({ model: 'assistant', input: 'responses', store: false });
  await client.embeddings.create({ model: 'house-model', input: 'embeddings' });
  await gw.store.requestLog.flush();

  const browser = await launchBrowser(t);
  const { page, errors } = await newPage(browser);
  await signIn(page, url, TEST_ADMIN_KEY);
  await page.getByTestId('nav-requests').click();
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–7 of 7'`);
  const column = async () => page.getByTestId('request-row').getByTestId('request-protocol').evaluateAll((els) => els.map((e) => [e.getAttribute('data-protocol'), e.textContent, e.getAttribute('title')]));
  // Newest first: the embeddings call, the Responses call, three Messages calls, two chat completions.
  assert.deepEqual(await column(), [
    ['embeddings', 'Embeddings', 'POST /v1/embeddings'],
    ['responses', 'Responses', 'POST /v1/responses'],
    ['messages', 'Messages', 'POST /v1/messages'],
    ['messages', 'Messages', 'POST /v1/messages'],
    ['messages', 'Messages', 'POST /v1/messages'],
    ['chat', 'Chat Completions', 'POST /v1/chat/completions'],
    ['chat', 'Chat Completions', 'POST /v1/chat/completions'],
  ]);
  const header = await page.getByTestId('requests-table').locator('th').allTextContents();
  assert.equal(header[3], 'Protocol');

  // The filter asks the API for one front door.
  const asked: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/admin/requests?')) asked.push(new URL(r.url()).searchParams.get('protocol') ?? '');
  });
  await page.getByTestId('filter-protocol').selectOption('messages');
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–3 of 3'`);
  assert.ok(asked.includes('messages'), `the API was asked for protocol=messages: ${asked.join(', ')}`);
  assert.deepEqual([...new Set((await column()).map((c) => c[0]))], ['messages']);
  await screenshot(page, 'requests-protocol');

  // The detail says it too, with the path it was called on.
  await page.getByTestId('request-row').first().click();
  assert.equal(await page.getByTestId('request-protocol-detail').textContent(), 'Messages POST /v1/messages');
  await page.keyboard.press('Escape');

  await page.getByTestId('filter-protocol').selectOption('embeddings');
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '1–1 of 1'`);
  assert.deepEqual((await column()).map((c) => c[0]), ['embeddings']);

  // Chinese: the column, the filter's choices and the detail in Chinese; the path stays as it is.
  await page.getByTestId('filter-protocol').selectOption('');
  await page.getByTestId('lang-switch').selectOption('zh');
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '第 1–7 条，共 7 条'`);
  assert.deepEqual([...new Set((await column()).map((c) => c[1]))], ['向量嵌入', '响应', '消息', '对话补全']);
  assert.equal((await page.getByTestId('requests-table').locator('th').allTextContents())[3], '协议');
  assert.deepEqual(await page.getByTestId('filter-protocol').locator('option').allTextContents(), ['全部', '对话补全', '消息', '响应', '向量嵌入']);
  await page.getByTestId('filter-protocol').selectOption('responses');
  await waitForExpression(page, `document.querySelector('[data-testid="requests-count"]')?.textContent === '第 1–1 条，共 1 条'`);
  await page.getByTestId('request-row').first().click();
  assert.equal(await page.getByTestId('request-protocol-detail').textContent(), '响应 POST /v1/responses');
  assert.equal(await page.getByTestId('request-protocol-detail').locator('[translate="no"]').textContent(), 'POST /v1/responses');
  await screenshot(page, 'requests-protocol-zh');

  assert.deepEqual(errors, []);
});

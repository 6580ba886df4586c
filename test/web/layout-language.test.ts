/**
 * Every page of the dashboard at 1280 and 390 px, in Chinese — the login page (with a key the gateway refuses) and
 * every page behind it — on seeded data that includes the monitor's own decisions (a rollback on a broken guardrail,
 * a ramp) and notes, an eval run and one stopped by its cost cap with their gate verdicts, arena battles, calls
 * refused by a rate limit, and calls through the Messages and Responses front doors beside chat completions:
 * - no string of a known English list (statuses, decision actions, the monitor's reasons and notes, gate lines, stop
 *   reasons, twin notes, refusal reasons), in a text node, a hover text or a label, is left on a Chinese page — the
 *   same scan finds them on the English page, so it is not blind;
 * - nothing is clipped sideways without a visible cue: the document never scrolls sideways, and every element whose
 *   content is wider than its box is a sideways-scrolling region that says so (shaded edge and a hint line);
 * - no two labels of one chart axis overlap (the charts publish their drawn label boxes in `data-axis-labels`).
 * Screenshots of each page and width land in test-results/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { DESKTOP, ensureWebBuild, launchBrowser, newPage, PHONE, screenshot, signIn, waitForExpression } from '../support/browser.js';
import { mockContender } from '../support/gateway.js';
import { DEFAULT_MAX_DROP, DEFAULT_MAX_GAP, evaluateGate, newGateId, type GateCheck } from '../../src/eval/gate.js';
import { buildReport } from '../../src/eval/report.js';
import { loadRunResults } from '../../src/eval/run-results.js';
import { seededGateway } from './seed.js';
import { seedBattles } from './seed-arena.js';
import { SUITE, seedEvalRun } from './seed-evals.js';

/** Whole text nodes that are English UI words when they stand alone (a status, an action, a verdict). */
const ENGLISH_WORDS = [
  'active', 'rolled back', 'waiting for gate', 'retired', 'running', 'done', 'stopped', 'ok', 'error', 'cut', 'lost',
  'rollback', 'ramp', 'promote', 'hold', 'manual', 'freeze', 'SRM alert', 'racing', 'promoted', 'monitor', 'evidence',
  'harm', 'better', 'within margin', 'inconclusive', 'too few samples', 'gap flagged', 'no significant gap', 'few battles',
  'PASS', 'FAIL', 'Refusing calls', 'Exhausted', 'shadow', 'estimated', 'stop', 'length',
  // The Requests page's protocol column and its header.
  'Protocol', 'Chat Completions', 'Messages', 'Responses', 'Embeddings',
];
/** Phrases of the monitor's reasons and notes, and other English sentences, anywhere in a text node. */
const ENGLISH_PHRASES = [
  'guardrail broken', 'guardrails hold after', 'significantly better', 'holding at', 'sample ratio mismatch', 'ramping frozen',
  'gate passed', 'bandit', 'last step:', 'next step', 'waiting for', 'waiting:', 'collecting evidence', 'More columns',
  'within chance', 'vs champion', 'run complete', 'not tested', ': score ', 'significant and above', 'significant but within',
  'rescued from', 'Rank held', 'bootstrap rounds', ' pts', 'row beats', 'from: ', 'previous champion',
  // The gate's completeness and champion lines, a run's stop reason, the twins' notes, a refusal's reason.
  'incomplete', 'samples missing', 'is not in run', 'no item graded', 'cost cap reached', 'interrupted', 'would be exceeded',
  'calls in a row', 'one sentence per line', 'bulleted facts', 'inserted "', 'answer ', 'is spent for this period', 'Rate limit reached',
  'no match was made', 'revoked API key',
];

/** The pictures in docs/img/ this test refreshes (with SAIMA_DOCS_SCREENSHOTS=1): width and path → name, start. */
const DOCS_SHOTS: Record<string, { name: string; from: string }> = {
  '1280 /races/triage': { name: 'races-zh', from: '[data-testid="guardrail-table"]' },
  '1280 /leaderboard': { name: 'leaderboard-matrix-zh', from: '[data-testid="leaderboard-table"]' },
  '390 /leaderboard': { name: 'leaderboard-phone-zh', from: '[data-testid="leaderboard-table"]' },
  '1280 /evals': { name: 'evals-gates-zh', from: '[data-testid="gates-panel"]' },
};

interface Found {
  text: string;
  where: string;
}

/**
 * The visible text nodes of the page (header and main), and the hover texts (`title`) and labels (`aria-label`) of
 * its elements, that are, or contain, known English UI text.
 */
async function englishLeft(page: Page): Promise<Found[]> {
  return (await page.evaluate(`(() => {
    const words = new Set(${JSON.stringify(ENGLISH_WORDS)});
    const phrases = ${JSON.stringify(ENGLISH_PHRASES)};
    const english = (text) => words.has(text) || phrases.some((p) => text.includes(p));
    const where = (el) => {
      const host = el.closest('[data-testid]');
      return host ? host.getAttribute('data-testid') : el.tagName;
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = (n.textContent || '').trim();
      // translate="no" marks identifiers (a source key, a metric id) that read the same in every language.
      if (!el || !text || el.closest('script, style, option, [translate="no"]')) continue;
      if (el.closest('svg') === null && el.getClientRects().length === 0) continue;
      if (english(text)) out.push({ text: text.slice(0, 120), where: where(el) });
    }
    for (const el of document.body.querySelectorAll('[title], [aria-label]')) {
      if (el.closest('[translate="no"]')) continue;
      for (const attr of ['title', 'aria-label']) {
        const text = (el.getAttribute(attr) || '').trim();
        if (text && english(text)) out.push({ text: attr + ': ' + text.slice(0, 120), where: where(el) });
      }
    }
    return out;
  })()`)) as Found[];
}

interface Clip {
  tag: string;
  testid: string | null;
  scrollWidth: number;
  clientWidth: number;
  overflowX: string;
  cue: string | null;
  hint: string;
}

/** Elements whose content is wider than their box, with how they show it; and the document's own width. */
async function sideways(page: Page): Promise<{ doc: number; viewport: number; clips: Clip[] }> {
  return (await page.evaluate(`(() => {
    const clips = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('svg') || !(el instanceof HTMLElement) || el.clientWidth <= 1) continue;
      if (el.scrollWidth <= el.clientWidth + 1) continue;
      const style = getComputedStyle(el);
      const hint = getComputedStyle(el, '::before').content;
      clips.push({ tag: el.tagName + '.' + el.className, testid: (el.closest('[data-testid]') || el).getAttribute('data-testid'), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, overflowX: style.overflowX, cue: el.getAttribute('data-scroll'), hint });
    }
    return { doc: document.documentElement.scrollWidth, viewport: window.innerWidth, clips };
  })()`)) as { doc: number; viewport: number; clips: Clip[] };
}

interface Box {
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pairs of labels of one axis whose boxes intersect (by more than half a pixel each way), per chart. */
async function overlappingLabels(page: Page): Promise<{ charts: number; axes: number; overlaps: string[] }> {
  const charts = (await page.evaluate(`[...document.querySelectorAll('[data-axis-labels]')].map((c) => ({ id: c.getAttribute('data-testid'), axes: JSON.parse(c.getAttribute('data-axis-labels')) }))`)) as Array<{ id: string; axes: Box[][] }>;
  const overlaps: string[] = [];
  let axes = 0;
  for (const chart of charts) {
    for (const labels of chart.axes) {
      if (labels.length > 1) axes++;
      for (let i = 0; i < labels.length; i++) {
        for (let j = i + 1; j < labels.length; j++) {
          const a = labels[i]!;
          const b = labels[j]!;
          const dx = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
          const dy = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
          if (dx > 0.5 && dy > 0.5) overlaps.push(`${chart.id}: "${a.text}" and "${b.text}"`);
        }
      }
    }
  }
  return { charts: charts.length, axes, overlaps };
}

test('every page in Chinese at 1280 and 390 px: no English left, nothing clipped without a cue, no overlapping axis labels', { timeout: 240_000 }, async (t) => {
  ensureWebBuild();
  // A canary race the monitor acts on: a challenger failing most calls is rolled back, a healthy one ramps.
  const gw = await seededGateway(t, {
    contenders: { 'flaky-model': mockContender('flaky-1', { latency_ms: 2, error_rate: 0.7 }) },
    teams: { interns: { limits: { rpm: 1 } } },
    races: {
      triage: {
        champion: 'house-model',
        challengers: [{ contender: 'flaky-model', weight: 40 }, { contender: 'small-model', weight: 10 }],
        policy: { type: 'canary', ramp: [10, 30], min_samples: 20, min_step_s: 0, guardrails: { error_rate: { margin: 0.05 } } },
      },
    },
  });
  for (let i = 0; i < 160; i++) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${gw.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'triage', user: `triage-${i}`, messages: [{ role: 'user', content: `Which queue does ticket ${i} go to?` }] }) });
    await res.arrayBuffer();
  }
  // Calls through the other front doors, for the Requests page's protocol column.
  const anthropic = new Anthropic({ baseURL: gw.url, apiKey: gw.adminKey, maxRetries: 0 });
  for (let i = 0; i < 2; i++) await anthropic.messages.create({ model: 'assistant', max_tokens: 50, messages: [{ role: 'user', content: `Summarise ticket ${i}` }] });
  await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: gw.adminKey, maxRetries: 0 }).responses.create({ model: 'assistant', input: 'Draft a reply', store: false });
  await gw.gw.store.requestLog.flush();
  const runId = await seedEvalRun(gw.gw.store, gw.gw.ctx.config);
  // The launch gate's verdicts on that run, as `saima gate` stores them: the memoriser fails on contamination.
  const results = await loadRunResults(gw.gw.store, gw.gw.ctx.config, runId);
  const report = buildReport(results);
  const gateSettings = { suites: [SUITE], twins: null, minScore: 40, contamination: { blocks: true, max: DEFAULT_MAX_GAP }, robustness: { blocks: true, max: DEFAULT_MAX_DROP }, alpha: 0.05, notWorseThanChampion: true, samples: 2 };
  for (const challenger of ['outside-model', 'small-model']) {
    const verdict = evaluateGate(results, report, challenger, 'house-model', gateSettings);
    await gw.gw.store.evals.insertGate({ id: newGateId(), ts: Date.now(), race: 'assistant', challenger, passed: verdict.passed, reasons: verdict.checks, runId });
  }
  // A run stopped by its cost cap, with contamination twins only: the gate finds it incomplete, the robustness family
  // not tested and no item graded for both; the same verdict also as a gate stored before the numbers of those lines
  // were kept (its Chinese lines are read from the stored English ones).
  const stoppedId = await seedEvalRun(gw.gw.store, gw.gw.ctx.config, { twins: ['resample-numbers'], maxCost: { amount: 0.001, currency: 'CNY' } });
  const stoppedResults = await loadRunResults(gw.gw.store, gw.gw.ctx.config, stoppedId);
  const stopped = evaluateGate(stoppedResults, buildReport(stoppedResults), 'small-model', 'house-model', gateSettings);
  await gw.gw.store.evals.insertGate({ id: newGateId(), ts: Date.now(), race: 'search', challenger: 'small-model', passed: stopped.passed, reasons: stopped.checks, runId: stoppedId });
  const before = (c: GateCheck): GateCheck => {
    if (c.check === 'complete' || c.details?.tested === false || c.details?.items === 0) return { check: c.check, ok: c.ok, message: c.message };
    const { items: _n, b: _b, c: _c, ...details } = c.details ?? {};
    return { ...c, details };
  };
  const oldChecks = [...stopped.checks.map(before), ...evaluateGate(results, report, 'outside-model', 'house-model', gateSettings).checks.filter((c) => c.check === 'contamination').map(before)];
  await gw.gw.store.evals.insertGate({ id: newGateId(), ts: Date.now() - 60_000, race: 'triage', challenger: 'small-model', passed: false, reasons: oldChecks, runId: stoppedId });
  // A challenger the run did not evaluate.
  const absent = evaluateGate(results, report, 'flaky-model', 'house-model', gateSettings);
  await gw.gw.store.evals.insertGate({ id: newGateId(), ts: Date.now() - 120_000, race: 'triage', challenger: 'flaky-model', passed: absent.passed, reasons: absent.checks, runId });
  // Calls refused by a team's rate limit, for the Requests page's refusal row and its reason.
  const interns = (await (await fetch(`${gw.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${gw.adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ team: 'interns', scopes: ['chat'] }) })).json()) as { key: string };
  const refusedStatuses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${interns.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'assistant', messages: [{ role: 'user', content: `intern question ${i}` }] }) });
    refusedStatuses.push(res.status);
    await res.arrayBuffer();
  }
  assert.deepEqual(refusedStatuses, [200, 429, 429]);
  await gw.gw.store.requestLog.flush();
  await gw.gw.store.refusalLog.flush();
  await seedBattles(gw.url, gw.adminKey);
  for (let i = 0; ; i++) {
    const actions = (await gw.gw.store.decisions.list('triage')).map((d) => d.action);
    if (actions.includes('rollback') && actions.includes('ramp')) break;
    assert.ok(i < 200, `the monitor decided: ${actions.join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stored = await gw.gw.store.decisions.list('triage');
  assert.ok(stored.every((d) => typeof (d.details as { reason_code?: unknown }).reason_code === 'string'), 'each monitor decision keeps its reason code');

  const pages: Array<{ path: string; ready: string; charts?: boolean }> = [
    { path: '/races/triage', ready: '[data-testid="decisions-table"]', charts: true },
    { path: '/races/search', ready: '[data-testid="sequential-house-model"] .chip', charts: true },
    { path: '/races/assistant', ready: '[data-testid="decisions-table"]', charts: true },
    { path: '/leaderboard', ready: '[data-testid="win-rate-matrix"]', charts: true },
    { path: '/evals', ready: '[data-testid="gates-table"]' },
    { path: `/evals/${runId}`, ready: '[data-testid="eval-row-house-model"]', charts: true },
    { path: '/spend', ready: '[data-testid="spend-chart"][data-budgets]', charts: true },
    { path: '/requests', ready: '[data-testid="request-row"]' },
    { path: '/arena', ready: '[data-testid="arena-prompt"]' },
  ];
  const browser = await launchBrowser(t);

  // The scan is not blind: on the English page it finds the monitor's reasons and the statuses it looks for.
  const en = await newPage(browser, { viewport: DESKTOP, locale: 'en-US' });
  await signIn(en.page, gw.url, gw.adminKey);
  await en.page.goto(`${gw.url}/ui/races/triage`);
  await en.page.locator('[data-testid="decisions-table"] [data-testid="decision-reason"]', { hasText: 'guardrail broken' }).waitFor();
  const seenInEnglish = (await englishLeft(en.page)).map((f) => f.text);
  await en.page.goto(`${gw.url}/ui/evals`);
  await en.page.getByTestId('gates-table').waitFor();
  seenInEnglish.push(...(await englishLeft(en.page)).map((f) => f.text));
  await en.page.goto(`${gw.url}/ui/requests`);
  await en.page.locator('[data-testid="request-protocol"][data-protocol="messages"]').first().waitFor();
  seenInEnglish.push(...(await englishLeft(en.page)).map((f) => f.text));
  await en.page.getByTestId('filter-status').selectOption('refused');
  await en.page.getByTestId('refusal-row').first().waitFor();
  seenInEnglish.push(...(await englishLeft(en.page)).map((f) => f.text));
  await en.page.goto(`${gw.url}/ui/evals/${runId}`);
  await en.page.getByTestId('worst-items').waitFor();
  seenInEnglish.push(...(await englishLeft(en.page)).map((f) => f.text));
  for (const expected of [
    /^guardrail broken: error_rate/, /^guardrails hold after/, /^rolled back$/, /^rollback$/, /^FAIL$/, /within chance|significant and above/, /vs champion house-model/,
    /^run run_\w+ incomplete \(stopped: cost cap reached/, /^title: cost cap reached/, /^not tested: the run had no robustness twins/, /^no item graded for both/,
    /Rate limit reached for requests per minute/, /answer \d+→\d+/, /^flaky-model is not in run/, /^Protocol$/, /^Messages$/, /^Responses$/, /^Chat Completions$/,
  ]) {
    assert.ok(seenInEnglish.some((x) => expected.test(x)), `the scan finds ${expected} on the English page: ${seenInEnglish.join(' | ')}`);
  }

  const problems: string[] = [];
  /** English left, and content clipped sideways without a cue: each found is a problem of the page `where`. */
  const checkPage = async (page: Page, where: string) => {
    for (const f of await englishLeft(page)) problems.push(`${where}: English left on a Chinese page: "${f.text}" in ${f.where}`);
    const { doc, viewport: vw, clips } = await sideways(page);
    if (doc > vw + 1) problems.push(`${where}: the page is ${doc}px wide in a ${vw}px viewport`);
    for (const c of clips) {
      const what = `${where}: ${c.tag} in ${c.testid} (${c.scrollWidth} > ${c.clientWidth}, overflow-x ${c.overflowX})`;
      // Content wider than a box that does not clip it spills over its neighbours; one that clips must scroll.
      if (c.overflowX !== 'auto' && c.overflowX !== 'scroll') problems.push(`${what} spills or is clipped, and does not scroll`);
      else if (c.cue === null || !/right|left/.test(c.cue)) problems.push(`${what} scrolls sideways without a cue`);
      else if (!/左右滑动/.test(c.hint)) problems.push(`${what}: no hint line (${c.hint})`);
    }
  };
  for (const viewport of [DESKTOP, PHONE]) {
    const { page, errors } = await newPage(browser, { viewport, locale: 'zh-CN' });
    // The login page first, with a key the gateway refuses: its reason is said in Chinese too.
    await page.goto(`${gw.url}/ui/`);
    await page.getByTestId('login-key').fill('sk-saima-not-a-key');
    await page.getByTestId('login-submit').click();
    assert.equal(await page.getByTestId('login-error').textContent(), '密钥未被接受：密钥不正确、已过期或已被吊销。');
    await checkPage(page, `/login at ${viewport.width} px`);
    await signIn(page, gw.url, gw.adminKey);
    let chartAxes = 0;
    for (const p of pages) {
      const where = `${p.path} at ${viewport.width} px`;
      await page.goto(`${gw.url}/ui${p.path}`);
      await page.locator(p.ready).first().waitFor();
      // The refused calls: a minute's record sorts at the minute's start, behind this minute's many served calls.
      if (p.path === '/requests') {
        await page.getByTestId('filter-status').selectOption('refused');
        await page.getByTestId('refusal-row').first().waitFor();
      }
      // The rollback's evidence open: its table is the widest thing a decision row holds.
      if (p.path === '/races/triage') await page.locator('[data-testid="decision-row"]', { hasText: 'flaky-model' }).locator('summary').click();
      if (p.charts) await waitForExpression(page, `[...document.querySelectorAll('.chart')].length > 0 && [...document.querySelectorAll('.chart')].every((c) => c.hasAttribute('data-axis-labels'))`);
      // Tables and their cues settle within a frame or two of the data.
      await page.waitForTimeout(150);
      assert.equal(await page.evaluate('document.documentElement.lang'), 'zh-CN', where);

      await checkPage(page, where);

      const labels = await overlappingLabels(page);
      for (const o of labels.overlaps) problems.push(`${where}: overlapping axis labels ${o}`);
      chartAxes += labels.axes;
      const docs = DOCS_SHOTS[`${viewport.width} ${p.path}`];
      await screenshot(page, `tour-zh-${viewport.width}${p.path.replace(/\//g, '-').replace(/-run_[0-9a-f]+/, '-run')}`);
      if (docs) await screenshot(page, docs.name, { docs: true, from: docs.from });
      if (p.path === '/races/search') {
        // A test chip's tooltip names its numbers in Chinese too.
        assert.match((await page.locator('[data-testid="sequential-house-model"] .chip').first().getAttribute('title')) ?? '', /^效应 \S+ · 损害检验 p \S+ · 非劣检验 p \S+ · 样本 \d+\/\d+$/);
      }
      if (p.path === '/evals') {
        // The gate's lines said from their numbers: the memoriser's contamination check fails, in Chinese.
        const failed = (await page.getByTestId('gate-assistant-outside-model').getByTestId('gate-check-contamination').textContent()) ?? '';
        assert.match(failed, /^✗ 污染（刷分）: \S+ \+\d+\.\d 个百分点 \[[\d.]+, [\d.]+\]（n=\d+，b=\d+，c=\d+），McNemar p = [\d.e-]+.*< α = 0\.05：显著，且超过 max_gap 5$/, failed);
        assert.match((await page.getByTestId('gate-assistant-small-model').getByTestId('gate-check-champion').textContent()) ?? '', /对比冠军 house-model：-\d+\.\d 个百分点/);
        // With McNemar's counts, as the English line has them.
        assert.match(failed, /\]（n=\d+，b=\d+，c=\d+），McNemar p/, failed);
        // The stopped run's verdict, from its numbers and (stored before they were kept) from its English lines: the
        // same Chinese either way.
        for (const race of ['search', 'triage']) {
          const gate = page.getByTestId(`gate-${race}-small-model`);
          const line = async (check: string) => ((await gate.getByTestId(`gate-check-${check}`).textContent()) ?? '').trim();
          assert.match(await line('complete'), /^✗ 完整性: 运行 run_\w+ 未完成（已停止：达到费用上限：已花费 [\d.]+ CNY，上限 [\d.]+ CNY；缺少 \d+ 个样本）$/, race);
          assert.equal(await line('robustness'), '✓ 鲁棒性: 未检验：本次运行没有鲁棒性孪生题（distractor, reformat, rename-entities）', race);
          assert.equal(await line('champion'), '✗ 对比冠军: 没有 small-model 与 house-model 都已评分的题目', race);
        }
        assert.match((await page.getByTestId('gate-triage-small-model').getByTestId('gate-check-contamination').last().textContent()) ?? '', /\]（n=\d+，b=\d+，c=\d+），McNemar p/);
        assert.equal((await page.getByTestId('gate-triage-flaky-model').getByTestId('gate-check-complete').textContent())?.trim(), `✗ 完整性: flaky-model 不在运行 ${runId} 中`);
        // The stopped run's status says why on hover, in Chinese.
        assert.match((await page.getByTestId(`eval-run-${stoppedId}`).getByTestId('run-status').getAttribute('title')) ?? '', /^达到费用上限：已花费 [\d.]+ CNY，上限 [\d.]+ CNY$/);
      }
      if (p.path === '/requests') {
        // A served request's detail: why its answer ended, in words.
        await page.getByTestId('filter-status').selectOption('ok');
        // The protocol column, with each front door's calls among the newest rows, in Chinese.
        await page.locator('[data-testid="request-protocol"][data-protocol="messages"]').first().waitFor();
        assert.deepEqual([...new Set(await page.getByTestId('request-protocol').allTextContents())].sort(), ['响应', '对话补全', '消息'].sort());
        await page.getByTestId('request-row').first().click();
        assert.match((await page.getByTestId('request-finish').textContent()) ?? '', /^模型正常结束 stop$/);
        for (const f of await englishLeft(page)) problems.push(`${where}, request detail: English left on a Chinese page: "${f.text}" in ${f.where}`);
        await page.keyboard.press('Escape');
        await page.getByTestId('filter-status').selectOption('refused');
        // The refusals' reason said in Chinese, and the row opens their record.
        assert.match((await page.getByTestId('refusal-reason').first().textContent()) ?? '', /^已达到每分钟请求数上限。/);
        await page.getByTestId('refusal-row').first().click();
        await page.getByTestId('refusal-detail').waitFor();
        for (const f of await englishLeft(page)) problems.push(`${where}, refusal record: English left on a Chinese page: "${f.text}" in ${f.where}`);
        await page.keyboard.press('Escape');
      }
      if (p.path === '/races/triage' && viewport === DESKTOP) {
        // The rollback pin's tooltip says the reason and the evidence in Chinese too, never a dump of English keys.
        await page.evaluate('window.scrollTo(0, 0)');
        const pin = (await page.locator('[data-testid="weights-chart"] svg path[fill="#dc2626"]').first().boundingBox())!;
        await page.mouse.move(pin.x + pin.width / 2, pin.y + pin.height / 2);
        const tip = await waitForExpression<string>(page, `[...document.querySelectorAll('[data-testid="weights-chart"] div')].map((d) => d.innerText || '').find((x) => x.includes('护栏被突破')) || ''`);
        assert.match(tip, /原因: 护栏被突破：错误率 \+0\.\d+（界限 \+0\.\d+ > \+0\.0500，p = [\d.e-]+）/, tip);
        assert.match(tip, /窗口自 .* 起，挑战者权重 40%/, tip);
        assert.match(tip, /错误率: \+\d+\.\d 个百分点 · 损害检验 p 对 α [\d.e-]+ < [\d.e-]+ · 有害/, tip);
        assert.doesNotMatch(tip, /window\.|tests|harm p|effect|alpha|guardrail/, tip);
      }
    }
    assert.ok(chartAxes >= 8, `axes with labels checked at ${viewport.width} px: ${chartAxes}`);
    // On a phone the wide tables do scroll: the check above met regions to look at.
    if (viewport === PHONE) {
      await page.goto(`${gw.url}/ui/leaderboard`);
      await page.locator('[data-testid="leaderboard-table"]').waitFor();
      await waitForExpression(page, `document.querySelector('[data-testid="leaderboard-table"]').closest('.table-wrap').getAttribute('data-scroll') === 'right'`);
      await page.locator('[data-testid="leaderboard-table"]').evaluate((el) => el.parentElement!.scrollBy(10_000, 0));
      await waitForExpression(page, `document.querySelector('[data-testid="leaderboard-table"]').closest('.table-wrap').getAttribute('data-scroll') === 'left'`);
    }
    assert.deepEqual(errors, []);
  }
  assert.deepEqual(problems, []);
});

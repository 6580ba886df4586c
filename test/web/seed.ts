/**
 * A gateway with a week of history for the dashboard tests, all made through real HTTP: keys for two teams, chat
 * traffic spread over seven days on a shifted clock, feedback, two manual weight changes days apart in the manual
 * race `assistant`, and traffic in `search`, a canary race the monitor assesses. The
 * clock then returns to the present, so the browser sees a race whose history spans the week.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { mockContender, startTestGateway, TEST_ADMIN_KEY, type TestGateway } from '../support/gateway.js';

export const DAY = 86_400_000;

export interface SeededGateway extends TestGateway {
  adminKey: string;
  teamKeys: Record<'search' | 'support', string>;
  /** Request ids of served chat calls, oldest first. */
  requestIds: string[];
  /** Moves the gateway's clock (ms relative to the real time). */
  setOffset(ms: number): void;
}

const ANSWER = 'Here is a careful answer. It explains the steps, gives an example, and ends with a short summary so the reader can act on it.';

/** `extra` is merged into the config; its `contenders` and `races` are added to the seeded ones. */
export async function seededGateway(t: TestContext, extra: Record<string, unknown> = {}): Promise<SeededGateway> {
  const { contenders: moreContenders, races: moreRaces, ...rest } = extra as { contenders?: Record<string, unknown>; races?: Record<string, unknown> };
  let offset = -6 * DAY;
  const gw = await startTestGateway(
    t,
    {
      auth: { mode: 'keys' },
      contenders: {
        'house-model': mockContender('house-7b', { latency_ms: 15, ttft_ms: 10, default_answer: ANSWER }, { price: { input: 20, output: 60, currency: 'CNY' } }),
        'outside-model': mockContender('outside-v3', { latency_ms: 35, ttft_ms: 25, error_rate: 0.08, default_answer: `${ANSWER} It also adds a caveat.` }, { price: { input: 30, output: 90, currency: 'CNY' } }),
        'small-model': mockContender('small-1b', { latency_ms: 5, default_answer: 'Short answer.' }, { price: { input: 2, output: 4, currency: 'CNY' } }),
        ...moreContenders,
      },
      races: {
        assistant: {
          description: 'Default assistant: the champion serves most users while a challenger races for the rest.',
          champion: 'house-model',
          challengers: [{ contender: 'outside-model', weight: 10 }, { contender: 'small-model', weight: 5 }],
          capture: true,
        },
        // An automatic race, so the races page has the monitor's sequential tests to show: error rate within a
        // 5-point margin, never ramped further (one step) nor promoted (no feedback on this race).
        search: {
          champion: 'small-model',
          challengers: [{ contender: 'house-model', weight: 50 }],
          policy: { type: 'canary', ramp: [50], min_samples: 100_000, guardrails: { error_rate: { margin: 0.05 } } },
        },
        ...moreRaces,
      },
      monitor: { interval_ms: 500 },
      budgets: { 'support-daily': { team: 'support', period: 'day', limit: 0.12, soft_pct: 80 } },
      ...rest,
    },
    { now: () => Date.now() + offset },
  );
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const teamKeys = {
    search: String((await admin('POST', '/admin/keys', { team: 'search', scopes: ['chat', 'feedback'] })).key),
    support: String((await admin('POST', '/admin/keys', { team: 'support', scopes: ['chat', 'feedback'] })).key),
  };
  const requestIds: string[] = [];
  const chat = async (key: string, user: string, text: string, model = 'assistant') => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, user, max_tokens: 200, messages: [{ role: 'user', content: text }] }),
    });
    await res.arrayBuffer();
    const id = res.headers.get('x-saima-request-id');
    if (res.ok && id) requestIds.push(id);
    return { ok: res.ok, id };
  };
  const feedback = (key: string, id: string, thumbs: 'up' | 'down') =>
    fetch(`${gw.url}/v1/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ request_id: id, thumbs }) }).then((r) => r.arrayBuffer());

  for (let day = 0; day < 7; day++) {
    offset = -(6 - day) * DAY - 2 * 3_600_000;
    if (day === 2) await admin('POST', '/admin/races/assistant/weights', { contender: 'outside-model', weight: 25, reason: 'first week looks healthy: ramp to 25%' });
    if (day === 4) await admin('POST', '/admin/races/assistant/weights', { contender: 'outside-model', weight: 40, reason: 'error rate within margin: ramp to 40%' });
    const n = 10 + ((day * 7) % 5);
    for (let i = 0; i < n; i++) {
      const team = i % 3 === 0 ? 'support' : 'search';
      const r = await chat(teamKeys[team], `user-${day}-${i}`, `Question ${i} on day ${day}: how do I reset my password?`);
      if (r.ok && r.id && i % 2 === 0) await feedback(teamKeys[team], r.id, i % 4 === 0 ? 'up' : 'down');
    }
    for (let i = 0; i < 14; i++) await chat(teamKeys.search, `searcher-${day}-${i}`, `Find the refund policy (${day}.${i})`, 'search');
  }
  offset = 0;
  await gw.gw.store.requestLog.flush();
  return { ...gw, adminKey: TEST_ADMIN_KEY, teamKeys, requestIds, setOffset: (ms) => void (offset = ms) };
}

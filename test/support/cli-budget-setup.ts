/**
 * A CLI budget test's setting: a billing upstream (loopback, 30 ms; it writes 400 tokens when sent max_tokens 400,
 * 0.04 CNY at 100 CNY per million output tokens) behind contender `x`, a SQLite store, teams `research` and
 * `search`, and `write(budgets, extra)` to (re)write the config file `cfg` with those budgets.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBillingUpstream } from './fake-billing-upstream.js';

export const SUITE = fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url));
/** 400 output tokens at 100 CNY per million: the most one call can cost (prompts are priced 0). */
export const CALL_MAX = 0.04e9;

export async function cliBudgetSetup(t: TestContext) {
  const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000, delayMs: 30 });
  t.after(() => up.close());
  const dir = mkdtempSync(join(tmpdir(), 'saima-cli-scope-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const contender = { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'x', max_output_tokens: 400, price: { input: 0, output: 100, currency: 'CNY' } };
  const db = join(dir, 'saima.db');
  const cfg = join(dir, 'saima.json');
  const write = (budgets: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    writeFileSync(cfg, JSON.stringify({ server: { host: '127.0.0.1', port: 0 }, store: `sqlite:${db}`, contenders: { x: contender }, teams: { research: {}, search: {} }, budgets, monitor: { enabled: false }, ...extra }));
  return { up, db, cfg, write };
}

/**
 * Gateway traffic beside a CLI run: `one()` sends a chat call capped at 400 tokens to contender `x` and counts it
 * served (200) or refused (429; any other status fails the test).
 */
export function gatewayCalls(url: string, headers: Record<string, string> = {}) {
  const counts = { served: 0, refused: 0 };
  const one = async (): Promise<void> => {
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'hi' }], max_tokens: 400 }),
    });
    await r.arrayBuffer();
    if (r.status === 200) counts.served++;
    else {
      if (r.status !== 429) throw new Error(`a gateway call answered ${r.status}, neither 200 nor 429`);
      counts.refused++;
    }
  };
  return { counts, one };
}

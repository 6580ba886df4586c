/**
 * Starts a real gateway on 127.0.0.1 (port 0) over a temp SQLite file, from a config document, and closes it
 * after the test. Returns the official `openai` client pointed at it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/load.js';
import type { RunningGateway } from '../../src/gateway/server.js';
import { startServer } from '../../src/server/index.js';

export interface TestGateway {
  gw: RunningGateway;
  url: string;
  client: OpenAI;
  dbFile: string;
  key: string | null;
}

export const TEST_ADMIN_KEY = 'sk-saima-test-admin-0123456789abcdefghijklmnopqrstuvwxyz';

export async function startTestGateway(
  t: TestContext,
  doc: Record<string, unknown>,
  opts: { random?: () => number; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): Promise<TestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-test-'));
  const dbFile = join(dir, 'saima.db');
  // The request spool stays in this test's directory, whatever the store (its default for PostgreSQL is the cwd).
  const storeOptions = { spool_path: join(dir, 'request-spool.jsonl'), ...(doc.store_options as Record<string, unknown> | undefined) };
  const config = buildConfig({ server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store: `sqlite:${dbFile}`, ...doc, store_options: storeOptions }, opts.env ?? {});
  const keyed = config.auth.mode === 'keys';
  const gw = await startServer(config, {
    logger: false,
    env: keyed ? { SAIMA_ADMIN_KEY: TEST_ADMIN_KEY, ...opts.env } : {},
    ...(opts.random ? { random: opts.random } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  t.after(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: keyed ? TEST_ADMIN_KEY : 'unused', maxRetries: 0, timeout: 20_000 });
  return { gw, url: gw.url, client, dbFile, key: keyed ? TEST_ADMIN_KEY : null };
}

/** A mock contender definition with overrides. */
export function mockContender(model: string, mock: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return { provider: 'mock', model, price: { input: 1, output: 2, currency: 'CNY' }, mock: { default_answer: `answer from ${model}`, ...mock }, ...extra };
}

/** The request-log row of request `id` in a test gateway's SQLite file, read on a connection of its own. */
export function loggedRow(dbFile: string, id: string): Record<string, unknown> | undefined {
  const db = new Database(dbFile, { readonly: true });
  try {
    return db.prepare('select * from requests where id = ?').get(id) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

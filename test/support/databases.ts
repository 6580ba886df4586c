/**
 * One store test body, every real database (kysely's dialect loop). `storeUrlFor` hands out an isolated store URL
 * per test: a temp SQLite file, or a fresh PostgreSQL schema, removed after the test. A PostgreSQL that cannot be
 * reached fails the test; set SAIMA_TEST_NO_POSTGRES=1 to leave PostgreSQL out on purpose.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const DIALECTS = ['sqlite', 'postgres'] as const;
export type TestDialect = (typeof DIALECTS)[number];

export const POSTGRES_URL = process.env.SAIMA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The dialects to loop over: all of them, unless PostgreSQL was left out explicitly. */
export function testDialects(): readonly TestDialect[] {
  return process.env.SAIMA_TEST_NO_POSTGRES === '1' ? DIALECTS.filter((d) => d !== 'postgres') : DIALECTS;
}

export async function storeUrlFor(dialect: TestDialect, t: TestContext): Promise<string> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'saima-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    return `sqlite:${join(dir, 'store.db')}`;
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await withPostgres(async (c) => {
    await c.query(`create schema ${schema}`);
  });
  t.after(() => withPostgres(async (c) => void (await c.query(`drop schema if exists ${schema} cascade`))));
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

/** Runs `fn` on a short-lived PostgreSQL connection; explains how to opt out when the server is unreachable. */
export async function withPostgres<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL} (${(err as Error).message}); start it, or set SAIMA_TEST_NO_POSTGRES=1 to test SQLite only`, { cause: err });
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

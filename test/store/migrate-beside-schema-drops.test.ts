/**
 * Migrations on a PostgreSQL database shared with others: Kysely's own introspector looks for its bookkeeping
 * tables by scanning every schema, and a schema or table dropped by someone else mid-scan fails that scan
 * ("schema … does not exist", "relation … does not exist"). The store's introspector looks only at its own
 * search path: here stores are opened while other schemas are being created and dropped, and what the store's
 * introspection sees is its own schema alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { openStore } from '../../src/store/index.js';
import { storeUrlFor, testDialects, withPostgres } from '../support/databases.js';

test('stores open while other schemas are dropped around them', { skip: !testDialects().includes('postgres') && 'PostgreSQL left out on purpose' }, async (t) => {
  let churning = true;
  const churn = withPostgres(async (c) => {
    // Someone else's schemas, each with a few tables, coming and going every few milliseconds.
    while (churning) {
      await new Promise((r) => setTimeout(r, 5));
      const name = `churn_${randomBytes(4).toString('hex')}`;
      await c.query(`create schema ${name}; create table ${name}.a (x int); create table ${name}.b (y int); create table ${name}.c (z int)`);
      await c.query(`drop schema ${name} cascade`);
    }
  });
  try {
    for (let round = 0; round < 4; round++) {
      const urls = await Promise.all(Array.from({ length: 6 }, () => storeUrlFor('postgres', t)));
      const stores = await Promise.all(urls.map((u) => openStore(u)));
      for (const s of stores) {
        assert.equal((await s.requests.listRequests()).length, 0);
        const schemas = new Set((await s.db.introspection.getTables({ withInternalKyselyTables: true })).map((tb) => tb.schema));
        assert.deepEqual([...schemas], [new URL(urls[stores.indexOf(s)]!).searchParams.get('schema')]);
        await s.close();
      }
    }
  } finally {
    churning = false;
    await churn;
  }
});

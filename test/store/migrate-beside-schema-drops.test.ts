/**
 * Migrations on a PostgreSQL database shared with others: Kysely looks for its bookkeeping tables by scanning
 * every schema, and a schema dropped by someone else mid-scan fails that scan ("schema … does not exist"). Opening
 * a store must survive it: here stores are opened while other schemas are being created and dropped.
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
        await s.close();
      }
    }
  } finally {
    churning = false;
    await churn;
  }
});

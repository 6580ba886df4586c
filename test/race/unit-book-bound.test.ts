/**
 * The per-user book's memory is bounded: past MAX_BOOK_SLOTS users, a new user shares a slot chosen by hash, so
 * the sums never grow beyond 65,536 slots, every request is still counted, and the merged slot is one unit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BOOK_SLOTS, METRIC_INDEX, UnitBook } from '../../src/race/unit-book.js';

test('a full book puts new users into shared slots: requests all counted, units bounded', () => {
  const book = new UnitBook(4);
  for (let u = 0; u < 10; u++) book.add(`user-${u}`, METRIC_INDEX.errors, u % 2, 3);
  assert.equal(book.userCount, 4);
  const errors = book.view().errors;
  assert.equal(errors.n, 30, 'every request counted');
  assert.equal(errors.y, 5, 'every error counted');
  assert.ok(errors.units <= 4, `units ${errors.units}`);
  // Moments stay those of the slots' sums: ΣN² is a sum of squares of slot totals that add up to 30.
  assert.ok(errors.nn >= (30 * 30) / 4 && errors.nn <= 30 * 30);
  // The same user always lands in the same slot.
  const before = book.view().errors.nn;
  book.add('user-9', METRIC_INDEX.errors, 0, 0);
  assert.equal(book.view().errors.nn, before);
});

test(`the default bound holds at ${MAX_BOOK_SLOTS.toLocaleString('en-US')} slots with twice as many users`, () => {
  const book = new UnitBook();
  for (let u = 0; u < 2 * MAX_BOOK_SLOTS; u++) book.add(`u${u}`, METRIC_INDEX.errors, 0, 1);
  assert.equal(book.userCount, MAX_BOOK_SLOTS);
  // Y, N and the pre-race covariate x for each of the 6 metrics: 18 doubles, 144 bytes a slot.
  assert.equal(book.sumsBytes, MAX_BOOK_SLOTS * 18 * 8);
  assert.equal(book.view().errors.n, 2 * MAX_BOOK_SLOTS);
  assert.ok(book.view().errors.units <= MAX_BOOK_SLOTS);
});

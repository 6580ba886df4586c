/** Informative pairing: pairs short of battles first, then pairs with close ratings and fewer battles, sampled, in both orders. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { choosePair } from '../../src/arena/pairing.js';
import { SeededRandom } from '../../src/stats/seeded-random.js';

const key = (a: string, b: string) => [a, b].sort().join('|');

test('pairing prefers pairs with few battles, then close ratings', () => {
  const random = new SeededRandom(42);
  const draw = (battles: Record<string, number>, ratings: Record<string, number>, names = ['a', 'b', 'c', 'd'], warmup?: number) => {
    const seen = new Map<string, number>();
    const orders = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const [x, y] = choosePair({ names, battles: (p, q) => battles[key(p, q)] ?? 0, rating: (n) => ratings[n], random: () => random.next(), ...(warmup !== undefined ? { warmup } : {}) });
      assert.notEqual(x, y);
      seen.set(key(x, y), (seen.get(key(x, y)) ?? 0) + 1);
      orders.add(`${x}|${y}`);
    }
    return { seen, orders };
  };

  // Warm-up: only the pairs with the fewest battles (both 0 here) are drawn, uniformly, in both orders.
  const warm = draw({ 'a|b': 50, 'a|c': 50, 'a|d': 50, 'b|c': 50, 'b|d': 0, 'c|d': 0 }, {});
  assert.deepEqual([...warm.seen.keys()].sort(), ['b|d', 'c|d']);
  assert.ok(Math.abs(warm.seen.get('b|d')! - 2000) < 200);
  assert.ok(warm.orders.has('b|d') && warm.orders.has('d|b'), 'either contender may be a');

  // After warm-up: equal battles, so closeness decides. a≈b are close; d is far above everyone.
  const ratings = { a: 1000, b: 1010, c: 1100, d: 1600 };
  const all = { 'a|b': 100, 'a|c': 100, 'a|d': 100, 'b|c': 100, 'b|d': 100, 'c|d': 100 };
  const close = draw(all, ratings).seen;
  assert.ok(close.get('a|b')! > close.get('a|c')! && close.get('a|c')! > close.get('c|d')! && close.get('c|d')! > close.get('a|d')!);
  assert.ok((close.get('a|d') ?? 0) > 0, 'far pairs still get some battles');

  // Same closeness, fewer battles: the less-sampled pair is favoured (∝ 1/√(1+n)).
  const fewer = draw({ ...all, 'a|b': 399, 'c|d': 99 }, { a: 1000, b: 1000, c: 1000, d: 1000 }).seen;
  const ratio = fewer.get('c|d')! / fewer.get('a|b')!;
  assert.ok(ratio > 1.7 && ratio < 2.3, `ratio ${ratio}`);
  assert.throws(() => choosePair({ names: ['a'], battles: () => 0, rating: () => undefined, random: Math.random }), RangeError);
});

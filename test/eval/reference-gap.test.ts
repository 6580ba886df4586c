/**
 * The reference-adjusted gap (ConStat-style): when twins are harder for every model, references predict a lower
 * twin accuracy and a clean contender is not convicted by its raw gap; a contender that falls short of that
 * prediction is. Checked on synthetic per-item outcomes with a known structure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gamingGap } from '../../src/eval/gaming-gap.js';
import { itemRows, type ItemRow } from '../../src/eval/item-table.js';
import { scoreStats } from '../../src/eval/metrics.js';
import { fitLine, referenceGap } from '../../src/eval/reference-gap.js';
import type { Sample } from '../../src/eval/run-results.js';
import type { Variant } from '../../src/eval/variant.js';
import { familyVerdict } from '../../src/eval/twin-verdicts.js';
import { verdictOf } from '../../src/eval/verdict.js';

const N = 120;
const variant = (id: string, itemId: string, kind: Variant['kind']): Variant => ({ id, itemId, suite: 's', kind, tags: [], lang: 'en', messages: [], expected: 1, graders: [], choices: null, params: {}, note: null });
const VARIANTS = Array.from({ length: N }, (_, i) => [variant(`s/${i}`, `s/${i}`, 'original'), variant(`s/${i}~resample-numbers.0`, `s/${i}`, 'resample-numbers')]).flat();
const sample = (pass: boolean): Sample => ({ status: pass ? 'pass' : 'fail', answer: null, extracted: null, error: null, latencyMs: 1, costCnyNanos: 0, promptTokens: 0, completionTokens: 0 });

/** A contender right on the first `orig` originals and on the first `twin` twins (items in a fixed order). */
function rows(orig: number, twin: number): ItemRow[] {
  const by = new Map<string, Sample[]>();
  for (let i = 0; i < N; i++) {
    by.set(`s/${i}`, [sample(i < orig)]);
    by.set(`s/${i}~resample-numbers.0`, [sample(i < twin)]);
  }
  return itemRows(VARIANTS, by);
}

test('least squares through the references, an offset when they cannot fix a slope', () => {
  const line = fitLine([0.2, 0.6, 0.8], [0.1, 0.5, 0.7]);
  assert.equal(line.method, 'linear');
  assert.ok(Math.abs(line.alpha - -0.1) < 1e-12 && Math.abs(line.beta - 1) < 1e-12, JSON.stringify(line));
  const flat = fitLine([0.5, 0.5], [0.3, 0.4]);
  assert.equal(flat.method, 'offset');
  assert.ok(Math.abs(flat.alpha - -0.15) < 1e-12);
});

test('twins harder for everyone: raw gap significant, adjusted gap not; a gamer stays flagged', () => {
  // References lose 20 points of twin accuracy at every level: the (resampled) twins are simply harder. The gamer scores 95 on
  // originals, so the references predict 75 on its twins; it gets 25: an adjusted gap of exactly 50 points.
  const byContender = new Map<string, ItemRow[]>([
    ['ref-a', rows(60, 36)],
    ['ref-b', rows(90, 66)],
    ['ref-c', rows(108, 84)],
    ['honest', rows(96, 72)],
    ['gamer', rows(114, 30)],
  ]);
  const refs = ['ref-a', 'ref-b', 'ref-c'];
  const honest = referenceGap('honest', byContender, refs)!;
  const gamer = referenceGap('gamer', byContender, refs)!;
  assert.equal(honest.method, 'linear');
  assert.ok(Math.abs(honest.delta) < 2, `honest: ${JSON.stringify(honest)}`);
  assert.ok(honest.pValue > 0.05);
  assert.ok(Math.abs(gamer.delta - 50) < 1e-6 && gamer.lower > 35 && gamer.pValue < 0.01, `gamer: ${JSON.stringify(gamer)}`);
  assert.equal(referenceGap('honest', byContender, []), null);

  const verdict = (name: string) => {
    const r = byContender.get(name)!;
    const ref = referenceGap(name, byContender, refs);
    return verdictOf(name, scoreStats(r, 1), familyVerdict(r, gamingGap(r), 'contamination', 0.05), null, ref, 0.05);
  };
  const h = verdict('honest');
  const honestRows = byContender.get('honest')!;
  assert.ok(familyVerdict(honestRows, gamingGap(honestRows), 'contamination', 0.05)!.significant, 'the raw gap alone is significant');
  assert.equal(h.status, 'clean', h.line);
  assert.match(h.line, /reference-adjusted/);
  assert.equal(verdict('gamer').status, 'gap suspected');
});

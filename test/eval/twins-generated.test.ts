/**
 * Generated twins on the example suites: deterministic from the seed, each with its parent and kind, and each kind
 * keeps its promise (numbers resampled at the same magnitude with the answer recomputed, the correct option moved,
 * names replaced, one sentence inserted, only the layout changed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/eval/suite.js';
import { decade } from '../../src/eval/twins/resample-numbers.js';
import { sentences } from '../../src/eval/twins/sentences.js';
import { suiteVariants, TWIN_KINDS } from '../../src/eval/twins/index.js';
import type { Variant } from '../../src/eval/variant.js';

const ARITH = loadSuite(fileURLToPath(new URL('../../examples/suites/arithmetic-bilingual.yaml', import.meta.url)));
const MCQ = loadSuite(fileURLToPath(new URL('../../examples/suites/mcq-knowledge-reasoning.yaml', import.meta.url)));
const lastUser = (v: Variant) => v.messages[v.messages.length - 1]!.content;
/** Letters, digits and Han characters only: what a layout change must not touch. */
const content = (s: string) => s.replace(/^\s*-\s/gm, '').replace(/[^\p{L}\p{N}]/gu, '');

test('the example suites are big enough and every twin points at its parent', () => {
  assert.ok(ARITH.items.length >= 60 && MCQ.items.length >= 60);
  assert.ok(ARITH.items.filter((i) => i.lang === 'zh').length >= 30 && ARITH.items.every((i) => i.template?.answer));
  for (const suite of [ARITH, MCQ]) {
    const { variants, warnings } = suiteVariants(suite, TWIN_KINDS);
    assert.deepEqual(warnings, []);
    assert.equal(new Set(variants.map((v) => v.id)).size, variants.length, 'ids are unique');
    const originals = new Map(variants.filter((v) => v.kind === 'original').map((v) => [v.id, v]));
    for (const v of variants) {
      assert.ok(originals.has(v.itemId), `${v.id} has a parent`);
      if (v.kind !== 'original') {
        assert.ok(v.id.startsWith(`${v.itemId}~${v.kind}.`), v.id);
        assert.notEqual(lastUser(v), lastUser(originals.get(v.itemId)!), `${v.id} differs from its original`);
      }
    }
  }
});

test('twins are deterministic from the seed', () => {
  const a = suiteVariants(ARITH, TWIN_KINDS);
  assert.deepEqual(suiteVariants(ARITH, TWIN_KINDS), a);
  const other = suiteVariants(ARITH, ['resample-numbers'], ARITH.seed + 1).variants.filter((v) => v.kind !== 'original');
  const same = a.variants.filter((v) => v.kind === 'resample-numbers');
  assert.ok(other.filter((v, i) => lastUser(v) !== lastUser(same[i]!)).length > 50, 'another seed, other numbers');
});

test('resample-numbers: same magnitude, answer recomputed, new and integral like the original', () => {
  const { variants } = suiteVariants(ARITH, ['resample-numbers']);
  const twins = variants.filter((v) => v.kind === 'resample-numbers');
  assert.equal(twins.length, ARITH.items.length);
  let sameAnswerDecade = 0;
  for (const tw of twins) {
    const item = ARITH.items.find((i) => `${ARITH.name}/${i.id}` === tw.itemId)!;
    const scope: Record<string, number> = {};
    for (const [name, d] of Object.entries(item.template!.vars)) scope[name] = d.value;
    for (const m of tw.note!.matchAll(/(\w+): ([\d.]+)→([\d.]+)/g)) {
      if (m[1] === 'answer') continue;
      assert.equal(decade(Number(m[3])), decade(Number(m[2])), `${tw.id}: ${m[0]} keeps its magnitude`);
      scope[m[1]!] = Number(m[3]);
    }
    const answer = item.template!.answer!.evaluate(scope);
    assert.ok(Math.abs(answer - Number(tw.expected)) < 1e-9, `${tw.id}: expected ${String(tw.expected)} = answer(${JSON.stringify(scope)})`);
    assert.notEqual(tw.expected, item.expected, `${tw.id}: a new answer`);
    assert.equal(Number.isInteger(tw.expected), Number.isInteger(item.expected));
    for (const c of item.template!.conditions) assert.notEqual(c.evaluate(scope), 0, `${tw.id}: ${c.source}`);
    if (decade(Number(tw.expected)) === decade(Number(item.expected))) sameAnswerDecade++;
  }
  assert.ok(sameAnswerDecade >= twins.length - 2, `answers keep their magnitude: ${sameAnswerDecade}/${twins.length}`);
});

test('shuffle-choices moves the correct option; rename, distractor and reformat keep the problem', () => {
  const { variants } = suiteVariants(MCQ, TWIN_KINDS);
  const original = new Map(variants.filter((v) => v.kind === 'original').map((v) => [v.itemId, v]));
  for (const v of variants) {
    const o = original.get(v.itemId)!;
    const correct = (x: Variant) => x.choices![(x.expected as string).charCodeAt(0) - 65];
    if (v.kind === 'shuffle-choices') {
      assert.deepEqual([...v.choices!].sort(), [...o.choices!].sort());
      assert.equal(correct(v), correct(o));
      assert.notEqual(v.expected, o.expected, `${v.id}: the answer moved`);
    } else if (v.kind === 'rename-entities') {
      const item = MCQ.items.find((i) => `${MCQ.name}/${i.id}` === v.itemId)!;
      for (const e of Object.values(item.entities)) assert.ok(!lastUser(v).includes(e.value), `${v.id}: ${e.value} renamed`);
      assert.equal(v.expected, o.expected);
    } else if (v.kind === 'distractor') {
      assert.equal(sentences(v.messages.at(-1)!.content.split('\n\n')[0]!).length, sentences(o.messages.at(-1)!.content.split('\n\n')[0]!).length + 1, v.id);
      assert.equal(v.expected, o.expected);
    } else if (v.kind === 'reformat') {
      const strip = (x: Variant) => content(lastUser(x).replace(/^\(?[A-J][.):]\)?\s/gm, ''));
      assert.equal(strip(v), strip(o), `${v.id}: only the layout changed`);
      assert.equal(v.expected, o.expected);
    }
  }
  const arith = suiteVariants(ARITH, ['reformat', 'distractor']).variants;
  const arithOriginal = new Map(arith.filter((v) => v.kind === 'original').map((v) => [v.itemId, v]));
  for (const v of arith.filter((x) => x.kind === 'reformat')) assert.equal(content(lastUser(v)), content(lastUser(arithOriginal.get(v.itemId)!)), v.id);
  for (const v of arith.filter((x) => x.kind === 'distractor')) assert.ok(content(lastUser(v)).length > content(lastUser(arithOriginal.get(v.itemId)!)).length, v.id);
});

test('authored twins appear only when asked for', () => {
  const withAuthored = suiteVariants(MCQ, ['authored']).variants.filter((v) => v.kind === 'authored');
  assert.equal(withAuthored.length, 2);
  assert.equal(withAuthored[0]!.note, 'authored');
  assert.equal(suiteVariants(MCQ, ['reformat']).variants.filter((v) => v.kind === 'authored').length, 0);
});

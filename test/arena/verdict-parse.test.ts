/** Judge verdicts are parsed strictly: exactly one distinct bracketed verdict, or a JSON verdict; anything else is no verdict. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseVerdict } from '../../src/arena/verdict.js';

const CASES: Array<[string, ReturnType<typeof parseVerdict>]> = [
  ['Assistant A is more accurate. [[A]]', 'A'],
  ['B explains the trade-offs better.\n\nFinal verdict: [[B]]', 'B'],
  ['Both are equally good. [[C]]', 'tie'],
  ['Neither answers the question. [[D]]', 'both_bad'],
  ['[[ A ]]', 'A'],
  ['[[A]] ... on reflection, still [[A]]', 'A'],
  ['两个回答都正确，但助手 B 更简洁。[[B]]', 'B'],
  ['{"verdict": "A"}', 'A'],
  ['```json\n{"winner": "tie"}\n```', 'tie'],
  ['{"verdict": "both_bad", "reason": "wrong"}', 'both_bad'],
  // Not a verdict:
  ['I would say [[A]] if accuracy matters, [[B]] if brevity does.', null],
  ['Assistant A is better.', null],
  ['[A]', null],
  ['[[E]]', null],
  ['[[a]]', null],
  ['{"verdict": "maybe"}', null],
  ['{"verdict": 1}', null],
  ['{not json', null],
  ['', null],
];

test('verdict parsing is strict', () => {
  for (const [text, expected] of CASES) assert.equal(parseVerdict(text), expected, JSON.stringify(text));
});

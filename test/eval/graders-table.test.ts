/** Every grader, table-driven: answer, grader, expected → verdict (and what was extracted). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraderObject, type GraderSpec } from '../../src/eval/suite-schema.js';
import { gradeAnswer } from '../../src/eval/graders/registry.js';
import type { GradeContext } from '../../src/eval/graders/grade.js';

const g = (spec: Record<string, unknown>): GraderSpec => GraderObject.parse(spec);
const ABCD = ['Paris', 'Rome', 'Madrid', 'Berlin'];

type Row = [answer: string, grader: Record<string, unknown> | Record<string, unknown>[], expected: unknown, pass: boolean | 'error', extracted?: string | null, choices?: string[]];
const ROWS: Row[] = [
  ['  Paris ', { type: 'exact' }, 'Paris', true, 'Paris'],
  ['paris', { type: 'exact' }, 'Paris', false],
  ['paris', { type: 'exact', ignore_case: true }, 'Paris', true],
  ['The capital is Paris.', { type: 'exact' }, 'Paris', false],
  ['It is Paris, France', { type: 'contains' }, 'Paris', true],
  ['it is paris', { type: 'contains', ignore_case: true }, 'Paris', true],
  ['red and blue', { type: 'contains', value: ['red', 'green'], mode: 'any' }, null, true],
  ['red and blue', { type: 'contains', value: ['red', 'green'] }, null, false],
  ['Hello there', { type: 'starts-with', value: 'hello', ignore_case: true }, null, true],
  ['order #A-123 shipped', { type: 'regex', pattern: '#[A-Z]-\\d+' }, null, true, '#A-123'],
  ['no id here', { type: 'regex' }, '\\d{3}', false],
  ['So she pays 36 yuan. The answer is 36.', { type: 'number' }, 36, true, '36'],
  ['12 + 24 = 36, then minus 6: 30', { type: 'number' }, 30, true, '30'],
  ['答案是：１，２００元', { type: 'number' }, 1200, true, '1200'],
  ['Total: $1,234.50', { type: 'number' }, 1234.5, true],
  ['#### 7', { type: 'number' }, 7, true],
  ['\\boxed{3/4} is it', { type: 'number' }, 0.75, true],
  ['a 5-year-old has 3-4 toys, answer: 4', { type: 'number' }, 4, true],
  ['about 99', { type: 'number', tolerance: 0.02, relative: true }, 100, true],
  ['I do not know', { type: 'number' }, 5, false, null],
  ['B', { type: 'choice' }, 'B', true, 'B', ABCD],
  ['(c)', { type: 'choice' }, 'C', true, 'C', ABCD],
  ['The answer is (D) because Berlin.', { type: 'choice' }, 'D', true, 'D', ABCD],
  ['答案：A', { type: 'choice' }, 'A', true, 'A', ABCD],
  ['A city I like is Rome', { type: 'choice' }, 'B', true, 'B', ABCD],
  ['C. Madrid, clearly', { type: 'choice' }, 'A', false, 'C', ABCD],
  ['either A or B', { type: 'choice' }, 'A', false, null, ABCD],
  ['Sure:\n```json\n{"name": "Ann", "age": 31}\n```', { type: 'json-schema', schema: { type: 'object', properties: { age: { type: 'integer', minimum: 0 } }, required: ['age'] } }, null, true],
  ['{"age": -1}', { type: 'json-schema', schema: { type: 'object', properties: { age: { type: 'integer', minimum: 0 } } } }, null, false],
  ['[1, 2]', { type: 'json-schema' }, null, true, '[1,2]'],
  ['not json', { type: 'json-schema' }, null, false],
  ['Paris', { type: 'exact', negate: true }, 'Paris', false],
  ['It is Paris', [{ type: 'contains', value: 'Paris' }, { type: 'contains', value: 'France', negate: true }], null, true],
  ['It is Paris, France', [{ type: 'contains', value: 'Paris' }, { type: 'contains', value: 'France', negate: true }], null, false],
  ['x', { type: 'judge', rubric: 'r' }, null, 'error'],
];

test('graders decide as the table says', async () => {
  for (const [answer, grader, expected, want, extracted, choices] of ROWS) {
    const specs = (Array.isArray(grader) ? grader : [grader]).map(g);
    const ctx: GradeContext = { expected, choices: choices ?? null, messages: [{ role: 'user', content: 'q' }], judge: null };
    const got = await gradeAnswer(answer, specs, ctx);
    const label = `${JSON.stringify(answer)} ${JSON.stringify(grader)}`;
    if (want === 'error') {
      assert.equal(got.ok, false, label);
      continue;
    }
    assert.ok(got.ok, `${label}: ${JSON.stringify(got)}`);
    assert.equal(got.pass, want, label);
    if (extracted !== undefined) assert.equal(got.extracted, extracted, label);
  }
});

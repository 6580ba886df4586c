/** A broken suite fails to load with one line naming the file, the path inside it and the problem. Table-driven. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadSuite } from '../../src/eval/suite.js';

const ROWS: Array<[name: string, yaml: string, message: RegExp]> = [
  ['no items', 'name: x\nitems: []', /items: Too small/],
  ['unknown key', 'items:\n  - { id: a, prompt: hi, expected: x, colour: red }', /items\[0\]: unknown key "colour"/],
  ['two bodies', 'items:\n  - { id: a, prompt: hi, question: q, choices: [a, b], expected: A }', /items\[0\]: needs exactly one of prompt, messages, question, template \(got prompt, question\)/],
  ['no body', 'items:\n  - { id: a, expected: x }', /items\[0\]: needs exactly one of prompt, messages, question, template \(got none\)/],
  ['duplicate id', 'items:\n  - { id: a, prompt: hi, expected: x }\n  - { id: a, prompt: ho, expected: y }', /items\[1\]\.id: "a" is used twice/],
  ['unknown grader', 'items:\n  - { id: a, prompt: hi, expected: x, grader: fuzzy }', /items\[0\]\.grader: Invalid input/],
  ['choice letter out of range', 'items:\n  - { id: a, question: q, choices: [x, y], expected: C }', /items\[0\]\.expected: must be a letter A–B/],
  ['number grader, text expected', 'items:\n  - { id: a, prompt: hi, expected: many, grader: number }', /items\[0\]\.expected: the number grader needs a number/],
  ['bad regex', 'items:\n  - { id: a, prompt: hi, grader: { type: regex, pattern: "(" } }', /items\[0\]\.grader: invalid regular expression/],
  ['template slot without value', 'items:\n  - { id: a, template: "{{n}} apples and {{m}}", vars: { n: { value: 2, min: 1, max: 9 } }, answer: n }', /items\[0\]\.template: \{\{m\}\} is neither a var nor an entity/],
  ['answer uses unknown var', 'items:\n  - { id: a, template: "{{n}} apples", vars: { n: { value: 2, min: 1, max: 9 } }, answer: n * k }', /items\[0\]\.answer: unknown variable "k"/],
  ['bad expression', 'items:\n  - { id: a, template: "{{n}} apples", vars: { n: { value: 2, min: 1, max: 9 } }, answer: "n +* 2" }', /items\[0\]\.answer: expression "n \+\* 2": unexpected "\*"/],
  ['original breaks its condition', 'items:\n  - { id: a, template: "{{n}} apples", vars: { n: { value: 3, min: 1, max: 9 } }, conditions: ["is_int(n / 2)"], answer: n }', /items\[0\]\.conditions\[0\]: the original values do not satisfy "is_int\(n \/ 2\)"/],
  ['expected disagrees with answer', 'items:\n  - { id: a, template: "{{n}} apples", vars: { n: { value: 3, min: 1, max: 9 } }, answer: n * 2, expected: 7 }', /items\[0\]\.expected: 7 differs from the answer expression \(6\)/],
  ['value outside domain', 'items:\n  - { id: a, template: "{{n}} apples", vars: { n: { value: 30, min: 1, max: 9 } }, answer: n }', /items\[0\]\.vars\.n: value 30 outside 1\.\.9/],
  ['entity not in text', 'items:\n  - { id: a, prompt: "Bob runs", expected: x, entities: { p: { kind: name, value: Alice } } }', /items\[0\]\.entities\.p: "Alice" does not occur in the item text/],
  ['unknown entity kind', 'items:\n  - { id: a, prompt: "Bob runs", expected: x, entities: { p: { kind: animal, value: Bob } } }', /items\[0\]\.entities\.p\.kind: Invalid option/],
];

test('suite problems read file: path: problem', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-suite-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, yaml, message] of ROWS) {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, yaml);
    assert.throws(() => loadSuite(file), (err: Error) => {
      assert.ok(err.message.startsWith(`${file}: `), `${name}: ${err.message}`);
      assert.match(err.message, message, name);
      return true;
    }, name);
  }
  const jsonl = join(dir, 'items.jsonl');
  writeFileSync(jsonl, '{"id":"a","prompt":"2+2?","expected":4,"grader":"number"}\n\nnot json\n');
  assert.throws(() => loadSuite(jsonl), /items\.jsonl: line 3: invalid JSON/);
  writeFileSync(jsonl, '{"id":"a","prompt":"2+2?","expected":4,"grader":"number"}\n{"id":"b","prompt":"3+3?","expected":6,"grader":"number"}\n');
  const suite = loadSuite(jsonl);
  assert.deepEqual([suite.name, suite.items.length, suite.items[1]!.expected], ['items', 2, 6]);
  assert.throws(() => loadSuite(join(dir, 'missing.yaml')), /missing\.yaml: cannot read suite \(ENOENT\)/);
});

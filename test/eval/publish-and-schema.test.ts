/**
 * Authored twins stay private: a suite may keep them in a separate `private_twins` file or inline, and
 * `saima eval publish` writes a copy without any of them (comments kept). The committed JSON Schema of the suite
 * format is the one `saima eval schema` prints; `saima eval twins` previews variants without calling anything.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSuite } from '../../src/eval/suite.js';
import { suiteVariants } from '../../src/eval/twins/index.js';
import { runCli } from '../support/cli.js';

test('publish drops authored twins; private twins files merge in; the schema file is current', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-publish-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'private.yaml'), 'capital:\n  - { question: "Which city is the seat of the French government?" }\n');
  writeFileSync(join(dir, 'suite.yaml'), [
    '# Capitals (public part)',
    'name: capitals',
    'private_twins: private.yaml',
    'items:',
    '  - id: capital',
    '    question: What is the capital of France?',
    '    choices: [Lyon, Paris, Nice]',
    '    expected: B',
    '    twins:',
    '      - { id: inline, question: "Name the French capital." }',
    '',
  ].join('\n'));
  const suite = loadSuite(join(dir, 'suite.yaml'));
  const authored = suiteVariants(suite, ['authored']).variants.filter((v) => v.kind === 'authored');
  assert.deepEqual(authored.map((v) => [v.id, v.expected]), [['capitals/capital~authored.inline', 'B'], ['capitals/capital~authored.1', 'B']]);

  const out = join(dir, 'public.yaml');
  const pub = await runCli(['eval', 'publish', join(dir, 'suite.yaml'), '--out', out]);
  assert.equal(pub.code, 0, pub.stderr);
  assert.match(pub.stderr, /without 1 authored twin/);
  const text = readFileSync(out, 'utf8');
  assert.ok(text.startsWith('# Capitals (public part)'), 'comments kept');
  assert.ok(!text.includes('French capital') && !text.includes('private_twins') && !text.includes('twins:'), text);
  const publicSuite = loadSuite(out);
  assert.equal(suiteVariants(publicSuite, ['authored']).variants.length, 1, 'only the original is left');
  assert.notEqual(publicSuite.hash, suite.hash);

  const schema = await runCli(['eval', 'schema']);
  assert.equal(schema.code, 0, schema.stderr);
  const committed = readFileSync(fileURLToPath(new URL('../../examples/suites/suite.schema.json', import.meta.url)), 'utf8');
  assert.deepEqual(JSON.parse(schema.stdout), JSON.parse(committed), 'examples/suites/suite.schema.json is regenerated');
  assert.ok((JSON.parse(committed) as { required: string[] }).required.includes('items'));

  const twins = await runCli(['eval', 'twins', join(dir, 'suite.yaml'), '--twins', 'shuffle-choices']);
  assert.equal(twins.code, 0, twins.stderr);
  assert.match(twins.stdout, /capitals\/capital~shuffle-choices\.0 {2}\[shuffle-choices\] {2}expected "[AC]"/);
  const bad = await runCli(['eval', 'twins', join(dir, 'suite.yaml'), '--twins', 'paraphrase']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^saima: unknown twin kind 'paraphrase' \(use auto, all, none, or any of shuffle-choices/);
});

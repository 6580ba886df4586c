import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'saima-cli-'));

test('config check accepts the example config', async () => {
  const r = await runCli(['config', 'check', 'examples/saima.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /examples\/saima\.yaml: ok \(3 contenders, 1 races\)/);
});

test('config check prints one line naming the path and the problem, and exits non-zero', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'contenders:\n  a: { provider: mock, model: a }\n  b: { provider: mock, model: b }\nraces:\n  assistant:\n    champion: a\n    challengers:\n      - { contender: b, weight: 10 }\n      - { contender: a, weight: -1 }\n',
  );
  const r = await runCli(['config', 'check', file]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^saima: .*bad\.yaml: .*races\.assistant\.challengers\[1\]\.weight: must be ≥ 0/);
  assert.doesNotMatch(r.stderr, /\s+at\s/, 'no stack trace');
});

test('config check on a missing file and on broken YAML fails with one line', async () => {
  const missing = await runCli(['config', 'check', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^saima: .*nope\.yaml: cannot read file \(ENOENT\)\n$/);
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'contenders: [\n');
  const r = await runCli(['config', 'check', broken]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^saima: .*broken\.yaml: invalid YAML/);
});

test('config schema prints a JSON Schema that describes contenders and races', async () => {
  const r = await runCli(['config', 'schema']);
  assert.equal(r.code, 0, r.stderr);
  const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown>; additionalProperties?: unknown };
  assert.ok(schema.properties.contenders && schema.properties.races);
  assert.equal(schema.additionalProperties, false);
});

test('an unknown command exits non-zero with a one-line message', async () => {
  const r = await runCli(['frobnicate']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^saima: unknown command 'frobnicate'/);
});

test('config check applies the loopback rule of serve: auth none on 0.0.0.0 fails with one line', async () => {
  const file = join(dir, 'open.yaml');
  writeFileSync(file, 'server: { host: 0.0.0.0 }\nauth: { mode: none }\ncontenders:\n  a: { provider: mock, model: a }\n');
  const r = await runCli(['config', 'check', file]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /auth\.mode none is only allowed when the gateway listens on loopback, not on 0\.0\.0\.0/);
  writeFileSync(file, 'server: { host: 0.0.0.0 }\nauth: { mode: keys }\ncontenders:\n  a: { provider: mock, model: a }\n');
  assert.equal((await runCli(['config', 'check', file])).code, 0);
});

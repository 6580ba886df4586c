import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_ARGS, runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'saima-cli-'));

test('config check accepts the example config', async () => {
  const r = await runCli(['config', 'check', 'examples/saima.yaml']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /examples\/saima\.yaml: ok \(3 contenders, 1 races\)/);
});

test('config check prints each problem on its own line naming its path, and exits non-zero', async () => {
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'contenders:\n  a: { provider: mock, model: a }\n  b: { provider: mock, model: b }\nraces:\n  assistant:\n    champion: a\n    challengers:\n      - { contender: b, weight: 10 }\n      - { contender: a, weight: -1 }\n',
  );
  const r = await runCli(['config', 'check', file]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `saima: ${file}: 1 problem\n  races.assistant.challengers[1].weight: must be ≥ 0\n`);
});

test('config check reports type errors as expected/got, and schema and reference errors in one round', async () => {
  const file = join(dir, 'typed.yaml');
  writeFileSync(
    file,
    [
      'contenders:',
      '  a: { provider: mock, model: a, price: { input: two, output: 1, currency: CNY } }',
      'races:',
      '  assistant: { champion: a, challengers: [{ contender: ghost, weight: 10 }] }',
      'budgets:',
      '  daily: { race: nowhere, period: day, limit: 5, currency: CNY }',
      '',
    ].join('\n'),
  );
  const r = await runCli(['config', 'check', file]);
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, /^saima: .*typed\.yaml: \d+ problems$/);
  assert.ok(lines.includes('  contenders.a.price.input: expected number, got string'), r.stderr);
  assert.ok(lines.includes('  races.assistant.challengers[0].contender: unknown contender "ghost"'), r.stderr);
  assert.ok(lines.includes('  budgets.daily.race: unknown race "nowhere"'), r.stderr);
  assert.doesNotMatch(r.stderr, /is required|Invalid input|\s+at\s/, r.stderr);

  writeFileSync(file, 'contenders: 5\n');
  const notMap = await runCli(['config', 'check', file]);
  assert.match(notMap.stderr, /^ {2}contenders: expected record, got number$/m, notMap.stderr);
});

test('config check on a missing file and on broken YAML names the problem', async () => {
  const missing = await runCli(['config', 'check', join(dir, 'nope.yaml')]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^saima: .*nope\.yaml: 1 problem\n {2}cannot read file \(ENOENT\)\n$/);
  const broken = join(dir, 'broken.yaml');
  writeFileSync(broken, 'contenders: [\n');
  const r = await runCli(['config', 'check', broken]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^saima: .*broken\.yaml: 1 problem\n {2}invalid YAML: /);
  // The code frame: the offending line and a caret under it.
  assert.match(r.stderr, /contenders: \[\n.*\^/s, r.stderr);
  assert.doesNotMatch(r.stderr, /:\n$/, 'does not end in a bare colon');
});

test('a SQLite store path is relative to the config file, wherever the command runs; a missing store is noted', async () => {
  const sub = mkdtempSync(join(dir, 'proj-'));
  const file = join(sub, 'saima.yaml');
  writeFileSync(file, 'store: sqlite:data/saima.db\ncontenders:\n  a: { provider: mock, model: a }\n');
  const first = await runCli(['spend', '--config', file], { cwd: tmpdir() });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`note: no store at ${join(sub, 'data', 'saima.db').replaceAll('.', '\\.')} yet`));
  assert.ok(existsSync(join(sub, 'data', 'saima.db')), 'created next to the config file');
  assert.ok(!existsSync(join(tmpdir(), 'data', 'saima.db')), 'not in the working directory');
  const again = await runCli(['spend', '--config', file], { cwd: sub });
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /note: no store/, 'the same database, found from another directory');
});

test('a reader that closes the pipe early ends the command quietly', async () => {
  const { execFile } = await import('node:child_process');
  const cmd = `${JSON.stringify(process.execPath)} ${CLI_ARGS.map((a) => JSON.stringify(a)).join(' ')} config schema | head -c 20 > /dev/null`;
  const r = await new Promise<{ stderr: string; code: number | null }>((res) => {
    const child = execFile('bash', ['-o', 'pipefail', '-c', cmd], (err, _out, stderr) => res({ stderr, code: err ? (err.code as number) : 0 }));
    void child;
  });
  assert.equal(r.stderr, '', 'no EPIPE stack trace');
  assert.equal(r.code, 0);
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

#!/usr/bin/env node
// Runs the whole suite with node:test through tsx, over an explicit file list (on Node 20 a glob or a
// bare `--test` finds nothing and exits 0). Fails when no test file or no test ran.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = (only.length ? only : find('test')).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
// Build first: the type check is part of the suite, and CLI tests then run the compiled `saima` (tsx would
// transpile the whole CLI again in every child process).
execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'inherit' });
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', '--test-timeout=180000', '--test-force-exit', ...files],
  { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_ENV: 'test', SAIMA_TEST_CLI: 'dist' } },
);
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on('close', (code) => {
  const m = /# pass (\d+)/.exec(tail);
  if (!m || Number(m[1]) === 0) {
    console.error('run-tests: no test passed');
    process.exit(code || 1);
  }
  process.exit(code ?? 1);
});

#!/usr/bin/env node
// Builds the dashboard into dist/web when anything under web/ (or the lockfile) is newer than the last build:
// typecheck (tsc -p web/tsconfig.json), then vite. The new build lands in a temp directory and is swapped in
// with renames, so a gateway serving dist/web never sees a half-written bundle; a lock directory keeps two
// concurrent callers (test files, `npm start`) from building at once.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'web');
const lock = join(root, 'dist', '.web-build.lock');

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

function stale() {
  const stamp = join(out, 'index.html');
  if (!existsSync(stamp)) return true;
  const sources = Math.max(newest(join(root, 'web')), statSync(join(root, 'package-lock.json')).mtimeMs);
  return statSync(stamp).mtimeMs < sources;
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquire() {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch {
      // A build that died left its lock behind: a build takes well under two minutes, so an older lock is stale.
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })?.mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      else sleep(250);
    }
  }
}

export function ensureWebBuild() {
  if (!stale()) return false;
  acquire();
  try {
    if (!stale()) return false;
    const tmp = `${out}.tmp-${process.pid}`;
    const old = `${out}.old-${process.pid}`;
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'web/tsconfig.json')], { stdio: 'inherit', cwd: root });
    execFileSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(root, 'web/vite.config.ts'), '--outDir', tmp, '--emptyOutDir', '--logLevel', 'warn'], { stdio: 'inherit', cwd: root });
    if (existsSync(out)) renameSync(out, old);
    renameSync(tmp, out);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensureWebBuild();

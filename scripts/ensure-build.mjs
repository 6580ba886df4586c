#!/usr/bin/env node
// Builds dist/ with tsc when any source file is newer than the last build (tsc's incremental info makes a
// no-op build take about a second, but skipping it entirely keeps `npm start` instant). The dashboard bundle in
// dist/web is rebuilt the same way when web/ changed.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWebBuild } from './ensure-web-build.mjs';

function newest(dir) {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

const stamp = 'dist/.tsbuildinfo';
const sources = Math.max(newest('src'), newest('bench'), statSync('package.json').mtimeMs);
try {
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < sources) {
    // The first build takes a while (half a minute on a small machine): say so instead of sitting silent.
    if (!existsSync(stamp)) process.stderr.write('saima: building the gateway and the dashboard (first run only)…\n');
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  }
  ensureWebBuild();
} catch {
  // The compiler has printed what is wrong; one line says what failed, without a stack trace.
  console.error('saima: the build failed (see the errors above)');
  process.exit(1);
}

/**
 * A worker thread is a V8 isolate of its own: every package its entry reaches is loaded and kept again in that
 * thread's heap. The race monitor's evidence thread lives as long as the gateway, so it may reach only the packages
 * its reads need; zod alone is ~3 MB of heap (the race state's schema lives apart from its helpers for this).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = new URL('../../src/', import.meta.url).pathname;

/** The packages an entry's runtime imports reach, static and dynamic, through src/ (`import type` loads nothing). */
function packagesReached(entry: string): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const specs = [
      ...[...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)].map((m) => m[1]!),
      ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]!),
    ];
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (existsSync(ts)) visit(ts);
      } else if (!spec.startsWith('node:')) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(name)) packages.set(name, file.slice(SRC.length));
      }
    }
  };
  visit(join(SRC, entry));
  return packages;
}

test('the race monitor evidence thread loads only the packages its reads need', () => {
  const reached = packagesReached('race/monitor-evidence-thread.ts');
  const unexpected = [...reached].filter(([name]) => !['kysely', 'better-sqlite3', 'pg'].includes(name)).map(([name, by]) => `${name} (imported by src/${by})`);
  assert.deepEqual(unexpected, []);
  assert.ok(reached.has('kysely'), 'the walk follows the thread into the store');
});

/**
 * docs/BENCHMARKS.md holds one section per benchmark between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`;
 * each script rewrites only its own, or appends it under `## heading` the first time.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './targets.js';

export function writeBenchSection(name: string, heading: string, section: string): void {
  const path = join(repoRoot(), 'docs/BENCHMARKS.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next = a >= 0 && b > a ? `${text.slice(0, a + start.length)}\n${section}\n${text.slice(b)}` : `${text.trimEnd()}\n\n## ${heading}\n\n${start}\n${section}\n${end}\n`;
  writeFileSync(path, next);
}

/** Prints a benchmark's section, and writes it into docs/BENCHMARKS.md unless BENCH_WRITE=0. */
export function publishBenchSection(name: string, heading: string, section: string): void {
  process.stdout.write(`${section}\n`);
  if (process.env.BENCH_WRITE !== '0') writeBenchSection(name, heading, section);
}

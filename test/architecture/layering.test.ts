/**
 * The dependency table of docs/ARCHITECTURE.md is the rule: every import in src/ (static, `import type` and dynamic)
 * from one top-level module to another must be allowed by the importer's row. The table is read from the doc, so
 * the doc and the code cannot drift apart; a row's "may import" names modules in backticks, or says "everything
 * below it", "everything but `x`", "everything" or "—".
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

/** `src/gateway/routes/chat.ts` → `gateway`; `src/errors.ts` (or its `.js` import) → `errors`. */
function moduleOf(file: string): string {
  return relative(SRC, file).split('/')[0]!.replace(/\.(ts|js)$/, '');
}

function rules(): Map<string, Set<string>> {
  const doc = readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `src\/([\w.-]+)` \| [^|]+ \| ([^|]+) \|$/gm)].map((m) => ({ name: m[1]!.replace(/\.ts$/, ''), allowed: m[2]!.trim() }));
  assert.ok(rows.length >= 10, `the dependency table has ${rows.length} rows`);
  const out = new Map<string, Set<string>>();
  rows.forEach((row, i) => {
    const named = new Set([...row.allowed.matchAll(/`([\w.-]+)`/g)].map((m) => m[1]!));
    const all = rows.map((r) => r.name).filter((n) => n !== row.name);
    if (row.allowed === '—') out.set(row.name, new Set());
    else if (row.allowed.startsWith('everything below it')) out.set(row.name, new Set([...rows.slice(0, i).map((r) => r.name), ...named]));
    else if (row.allowed.startsWith('everything but')) out.set(row.name, new Set(all.filter((n) => !named.has(n))));
    else if (row.allowed === 'everything') out.set(row.name, new Set(all));
    else out.set(row.name, named);
  });
  return out;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('every import between top-level modules is allowed by the table in docs/ARCHITECTURE.md', () => {
  const allowed = rules();
  const modules = new Set(readdirSync(SRC).map((n) => n.replace(/\.ts$/, '')));
  for (const m of modules) assert.ok(allowed.has(m), `src/${m} has no row in docs/ARCHITECTURE.md`);
  const violations: string[] = [];
  for (const file of sources(SRC)) {
    const from = moduleOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const to = moduleOf(resolve(dirname(file), m[1]!));
      if (to !== from && !allowed.get(from)!.has(to)) violations.push(`${relative(ROOT, file)} imports ${m[1]} (src/${from} may not import src/${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the gateway imports nothing from the arena: the arena reaches it through the hooks it owns (src/server wires them)', () => {
  assert.ok(!rules().get('gateway')!.has('arena'), 'docs/ARCHITECTURE.md lets the gateway import the arena');
  const found: string[] = [];
  for (const file of sources(join(SRC, 'gateway'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      if (moduleOf(resolve(dirname(file), m[1]!)) === 'arena') found.push(`${relative(ROOT, file)} imports ${m[1]}`);
    }
  }
  assert.deepEqual(found, []);
});

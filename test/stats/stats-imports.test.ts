// `stats` is the bottom of the dependency graph (STYLE.md: "`stats` imports nothing of ours"): every import under
// src/stats must be a sibling file in src/stats or a node: builtin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

test('src/stats imports only its own files and node builtins', async () => {
  const dir = fileURLToPath(new URL('../../src/stats/', import.meta.url));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 5);
  for (const file of files) {
    const source = await readFile(dir + file, 'utf8');
    for (const match of source.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[1]!;
      assert.ok(/^\.\/[a-z0-9-]+\.js$/.test(spec) || spec.startsWith('node:'), `${file} imports ${spec}`);
    }
  }
});

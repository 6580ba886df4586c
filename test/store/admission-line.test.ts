/**
 * Journal entries are written with their repeated fields' text kept from the entry before (store/admission-line.ts).
 * Whatever sequence of entries a gateway writes, what the journal file reads back must be exactly what
 * `JSON.stringify` of each entry parses to: a field carried over from a previous entry, or left out, would charge a
 * lost call to the wrong team, key or budget after a crash.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import type BetterSqlite3 from 'better-sqlite3';
import { AdmissionFile } from '../../src/store/admission-file.js';
import { AdmissionLines } from '../../src/store/admission-line.js';
import { openStore } from '../../src/store/index.js';
import type { AdmissionsTable } from '../../src/store/schema.js';

const text = fc.oneof(fc.constantFrom('team-a', 'team-b', 'key_1', 'x', '', '"quoted"', 'line\nbreak', '队伍', '\u2028'), fc.string({ maxLength: 12 }));
const optionalText = fc.option(text, { nil: undefined });
const nullableText = fc.option(text, { nil: null });
const number = fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.double(), fc.constantFrom(0, -0, 1e21, 1.5e-7, Number.NaN, Number.POSITIVE_INFINITY));
// A small pool of values per field, so that consecutive entries often share some of them and differ in others.
const entry: fc.Arbitrary<AdmissionsTable> = fc.record(
  {
    id: text,
    ts: number,
    expires_at: number,
    team: nullableText,
    key_id: nullableText,
    race: nullableText,
    contender: text,
    upstream_model: nullableText,
    reserved_nanos: number,
    currency: fc.constantFrom('CNY', 'USD'),
    owner: fc.option(fc.constantFrom('gateway:a', 'gateway:b'), { nil: undefined }),
    state: fc.option(fc.constantFrom('pending', 'granted', null), { nil: undefined }),
    source: optionalText,
    settled_nanos: fc.option(fc.oneof(number, fc.constant(null)), { nil: undefined }),
    protocol: fc.option(fc.constantFrom('chat', 'messages', 'responses', null), { nil: undefined }),
  },
  { requiredKeys: ['id', 'ts', 'expires_at', 'team', 'key_id', 'race', 'contender', 'upstream_model', 'reserved_nanos', 'currency'] },
);
const FIELDS = ['team', 'key_id', 'race', 'contender', 'upstream_model', 'currency', 'owner', 'state', 'source', 'settled_nanos', 'protocol'] as const;
// Runs of one entry in which each next entry changes one field (or none) to another entry's value: the text kept from
// the entry before must follow every single change.
const entries = fc.array(fc.tuple(entry, fc.array(fc.tuple(fc.constantFrom(...FIELDS), entry), { maxLength: 4 })), { minLength: 1, maxLength: 20 }).map((runs) => {
  const out: AdmissionsTable[] = [];
  for (const [first, changes] of runs) {
    let e = first;
    out.push(e);
    changes.forEach(([field, other], i) => {
      e = { ...e, id: `${e.id}-${i}`, ts: i, reserved_nanos: i * 1_000 };
      if (other[field] === undefined) delete e[field];
      else Object.assign(e, { [field]: other[field] });
      out.push(e);
    });
  }
  return out;
});

test('each entry text parses to what JSON.stringify of the entry parses to, whatever came before it', () => {
  fc.assert(
    fc.property(entries, (list) => {
      const lines = new AdmissionLines();
      for (const e of list) assert.deepEqual(JSON.parse(lines.text(e)), JSON.parse(JSON.stringify(e)));
    }),
    { numRuns: 2_000 },
  );
});

test('the journal file reads back every open entry as JSON.stringify would have written it', () => {
  fc.assert(
    fc.property(entries, (list) => {
      const dir = mkdtempSync(join(tmpdir(), 'saima-admission-line-'));
      try {
        const file = join(dir, 'saima.db');
        const journal = new AdmissionFile(file);
        // Unique ids: the file keeps the last entry per id.
        const unique = list.map((e, i) => ({ ...e, id: `${i}:${e.id}` }));
        for (let i = 0; i < unique.length; i += 3) journal.openMany(unique.slice(i, i + 3));
        journal.close();
        assert.deepEqual(AdmissionFile.read(file), unique.map((e) => JSON.parse(JSON.stringify(e))));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }),
    { numRuns: 200 },
  );
});

test('a change in any column of the admissions table alone is written, whichever column the table has', async () => {
  // The table is the truth about what an entry holds: a column added by a migration and not to the kept text's
  // comparison would let an entry carry the previous entry's value after a crash.
  const store = await openStore('sqlite::memory:');
  try {
    const columns = ((store.handle.raw as BetterSqlite3.Database).prepare('pragma table_info(admissions)').all() as Array<{ name: string }>).map((c) => c.name);
    const perCall = new Set(['id', 'ts', 'expires_at', 'reserved_nanos']);
    const base: Record<string, unknown> = { id: 'a', ts: 1, expires_at: 2, reserved_nanos: 3 };
    for (const c of columns) if (!perCall.has(c)) base[c] = `${c}-1`;
    const lines = new AdmissionLines();
    for (const c of columns) {
      if (perCall.has(c)) continue;
      const before = { ...base, id: `${c}-before` } as unknown as AdmissionsTable;
      const after = { ...base, id: `${c}-after`, [c]: `${c}-2` } as unknown as AdmissionsTable;
      assert.deepEqual(JSON.parse(lines.text(before)), JSON.parse(JSON.stringify(before)));
      assert.deepEqual(JSON.parse(lines.text(after)), JSON.parse(JSON.stringify(after)), `a change of ${c} alone`);
    }
  } finally {
    await store.close();
  }
});

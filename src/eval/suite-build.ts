/** A parsed suite document → a validated, frozen `Suite` (items linked, private twins merged). */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { EvalError } from './eval-error.js';
import { buildItem } from './suite-item.js';
import { parseYamlText, readText, zodProblems } from './suite-io.js';
import { AuthoredTwinSchema, SuiteSchema, type RawSuite } from './suite-schema.js';
import type { Suite, SuiteItem } from './suite-types.js';

export function buildSuite(doc: unknown, file: string, text: string, origin: Suite['origin'] = 'saima'): Suite {
  const parsed = SuiteSchema.safeParse(doc);
  if (!parsed.success) throw new EvalError(`${file}: ${zodProblems(parsed.error).join('; ')}`);
  const raw = parsed.data;
  let hashInput = text;
  if (raw.private_twins) hashInput += attachPrivateTwins(raw, resolve(dirname(file), raw.private_twins));
  const suiteName = raw.name ?? suiteNameOf(file);
  const problems: string[] = [];
  const seen = new Set<string>();
  const items: SuiteItem[] = [];
  raw.items.forEach((item, i) => {
    if (seen.has(item.id)) problems.push(`items[${i}].id: "${item.id}" is used twice`);
    seen.add(item.id);
    const built = buildItem(item, { suite: suiteName, suiteRaw: raw, at: `items[${i}]`, problems });
    if (built) items.push(built);
  });
  if (problems.length) throw new EvalError(`${file}: ${problems.slice(0, 20).join('; ')}${problems.length > 20 ? `; … ${problems.length - 20} more` : ''}`);
  return deepFreeze({
    name: suiteName,
    origin,
    description: raw.description ?? null,
    file,
    hash: createHash('sha256').update(hashInput).digest('hex'),
    lang: raw.lang,
    params: raw.params,
    seed: raw.seed,
    twinsPerKind: raw.twins_per_kind,
    items,
  });
}

const PrivateTwinsSchema = z.record(z.string(), z.array(AuthoredTwinSchema));

/** Merges a private twins file (`item id: [twins]`) into the items; returns its text for the suite hash. */
function attachPrivateTwins(raw: RawSuite, path: string): string {
  const text = readText(path, 'private twins');
  const parsed = PrivateTwinsSchema.safeParse(parseYamlText(text, path));
  if (!parsed.success) throw new EvalError(`${path}: ${zodProblems(parsed.error).join('; ')}`);
  const byId = new Map(raw.items.map((it) => [it.id, it]));
  for (const [id, twins] of Object.entries(parsed.data)) {
    const item = byId.get(id);
    if (!item) throw new EvalError(`${path}: ${id}: no such item in the suite`);
    item.twins = [...item.twins, ...twins];
  }
  return text;
}

/** The default suite name: the file name without its extension, made safe. */
export function suiteNameOf(file: string): string {
  const name = file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  return name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'suite';
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * `rename-entities`: names and places swapped for others of the same kind and language (built-in lists, or the
 * entity's own `pool`). The problem is unchanged; only a model that keyed on the exact surface text notices.
 */
import { renderMessages } from '../render.js';
import type { SuiteItem } from '../suite-types.js';
import { formatNumber, renderTemplate } from '../template.js';
import { ENTITY_POOLS } from './entity-pools.js';
import { notApplicable, type TwinGenerator } from './twin-types.js';

export const renameEntities: TwinGenerator = (item, rand) => {
  const slots = Object.entries(item.entities);
  if (slots.length === 0) return notApplicable('no entities');
  const text = renderMessages(item.parts).map((m) => m.content).join('\n');
  const taken = new Set<string>();
  const renamed: Record<string, string> = {};
  for (const [slot, e] of slots) {
    const pool = (e.pool ?? ENTITY_POOLS[e.kind][item.lang]).filter((v) => v !== e.value && !text.includes(v) && !taken.has(v));
    if (pool.length === 0) return { skip: `no unused ${e.kind} left to rename ${e.value}`, warn: true };
    const v = rand.pick(pool);
    taken.add(v);
    renamed[slot] = v;
  }
  const note = slots.map(([slot, e]) => `${e.value}→${renamed[slot]}`).join(', ');
  if (item.template) {
    const values: Record<string, string> = { ...renamed };
    for (const [k, d] of Object.entries(item.template.vars)) values[k] = formatNumber(d.value);
    return { parts: { ...item.parts, stem: renderTemplate(item.template.text, values) }, expected: item.expected, note };
  }
  const swap = (s: string) => replaceAll(s, item, renamed);
  return {
    parts: { ...item.parts, stem: swap(item.parts.stem), choices: item.parts.choices?.map(swap) ?? null },
    expected: typeof item.expected === 'string' && !item.parts.choices ? swap(item.expected) : item.expected,
    note,
  };
};

/** Replaces every entity at once, longest first, so one name inside another ("Ann" in "Anna") is not split. */
function replaceAll(s: string, item: SuiteItem, renamed: Record<string, string>): string {
  const entries = Object.entries(item.entities).sort((a, b) => b[1].value.length - a[1].value.length);
  const pattern = new RegExp(entries.map(([, e]) => e.value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const bySource = new Map(entries.map(([slot, e]) => [e.value, renamed[slot]!]));
  return s.replace(pattern, (m) => bySource.get(m) ?? m);
}

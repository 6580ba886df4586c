/**
 * Authored twins: private variants written by the suite's owner, kept out of any public copy. A twin replaces the
 * text (prompt, messages, or question and options) or, for a templated item, the values of some variables and
 * entities; its expected answer is given, recomputed from the template, or the parent's.
 */
import { EvalError } from '../eval-error.js';
import type { ItemParts } from '../render.js';
import { originalScope, safeEvaluate } from '../suite-item.js';
import type { RawTwin } from '../suite-schema.js';
import type { SuiteItem } from '../suite-types.js';
import { formatNumber, renderTemplate } from '../template.js';
import type { TwinDraft } from './twin-types.js';

export function authoredTwin(item: SuiteItem, twin: RawTwin, at: string): TwinDraft {
  let parts: ItemParts = item.parts;
  let expected: unknown = twin.expected ?? item.expected;
  if (twin.messages) {
    const last = twin.messages.map((m) => m.role).lastIndexOf('user');
    if (last < 0) throw new EvalError(`${at}.messages: needs a user message`);
    parts = { ...parts, prefix: [...item.parts.prefix.filter((m) => m.role === 'system'), ...twin.messages.slice(0, last)], stem: twin.messages[last]!.content, suffix: twin.messages.slice(last + 1) };
  } else if (twin.prompt || twin.question) {
    parts = { ...parts, stem: (twin.prompt ?? twin.question)! };
  }
  if (twin.choices) {
    if (!item.parts.choices) throw new EvalError(`${at}.choices: the item has no choices`);
    parts = { ...parts, choices: twin.choices };
  }
  if (twin.vars || twin.entities) {
    const t = item.template;
    if (!t) throw new EvalError(`${at}: vars and entities need a templated item`);
    const scope = { ...originalScope(t), ...twin.vars };
    for (const k of Object.keys(twin.vars ?? {})) if (!(k in t.vars)) throw new EvalError(`${at}.vars.${k}: not a variable of the item`);
    const values: Record<string, string> = {};
    for (const [k, v] of Object.entries(scope)) values[k] = formatNumber(v);
    for (const [k, e] of Object.entries(item.entities)) values[k] = twin.entities?.[k] ?? e.value;
    parts = { ...parts, stem: renderTemplate(t.text, values) };
    if (twin.expected === undefined && t.answer) {
      const computed = safeEvaluate(t.answer, scope);
      if (computed === null) throw new EvalError(`${at}: the answer expression fails with these vars`);
      expected = computed;
    }
  }
  if (item.parts.choices && typeof expected === 'string') expected = expected.trim().toUpperCase();
  return { parts, expected, note: 'authored' };
}

/**
 * `resample-numbers`: a templated item re-instantiated with new values for its variables, its answer recomputed by
 * the item's expression (GSM-Symbolic, Mirzadeh et al. 2024, arXiv 2410.05229). Magnitude is controlled, because
 * larger numbers alone make items harder and would fake a gap (the GSM-Symbolic critique found its instances
 * shifted to larger integers): each value is drawn from the same decade as the original (12 → 10..99), and the
 * answer must land in the same decade as the original answer and keep its integrality. Draws that break a
 * condition, repeat the original answer, or leave the decade are rejected; after half the attempts the answer's
 * decade is relaxed, never the values'.
 */
import { safeEvaluate } from '../suite-item.js';
import type { SuiteItem, TemplateSpec, VarDomain } from '../suite-types.js';
import { decimals, formatNumber, renderTemplate, roundNoise } from '../template.js';
import type { TwinRandom } from './twin-random.js';
import { notApplicable, type TwinGenerator } from './twin-types.js';

const ATTEMPTS = 400;

export const resampleNumbers: TwinGenerator = (item, rand) => {
  const t = item.template;
  if (!t || !t.answer) return notApplicable('no template with an answer expression');
  const free = Object.entries(t.vars).filter(([, d]) => !d.fixed);
  if (free.length === 0) return notApplicable('no variable with a domain');
  const original = Number(item.expected);
  const candidates = Object.fromEntries(free.map(([name, d]) => [name, valuesOf(d)]));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const scope: Record<string, number> = {};
    for (const [name, d] of Object.entries(t.vars)) scope[name] = d.fixed ? d.value : rand.pick(candidates[name]!);
    if (free.every(([name, d]) => scope[name] === d.value)) continue;
    if (!t.conditions.every((c) => (safeEvaluate(c, scope) ?? 0) !== 0)) continue;
    const answer = safeEvaluate(t.answer, scope);
    if (answer === null || Math.abs(answer - original) < 1e-9) continue;
    if (Number.isInteger(original) !== Number.isInteger(answer)) continue;
    if (attempt < ATTEMPTS / 2 && decade(answer) !== decade(original)) continue;
    return {
      parts: { ...item.parts, stem: render(t, item, scope) },
      expected: answer,
      note: free.filter(([name, d]) => scope[name] !== d.value).map(([name, d]) => `${name}: ${formatNumber(d.value)}→${formatNumber(scope[name]!)}`).join(', ') + `; answer ${formatNumber(original)}→${formatNumber(answer)}`,
    };
  }
  return { skip: `no values within the same magnitude satisfy the conditions with a new answer (${ATTEMPTS} draws)`, warn: true };
};

/**
 * The values a variable may take in a twin: its domain within the original's decade (for |v| ≥ 1, the same number
 * of integer digits; below 1, the same number of decimals), or the whole domain when that leaves fewer than two.
 */
export function valuesOf(d: VarDomain): number[] {
  const all = d.choices ? [...d.choices] : stepped(d.min!, d.max!, d.step);
  const sameMagnitude = all.filter((v) => decade(v) === decade(d.value) && (Math.abs(d.value) >= 1 || decimals(v) === decimals(d.value)));
  return sameMagnitude.length >= 2 ? sameMagnitude : all;
}

function stepped(min: number, max: number, step: number): number[] {
  const count = Math.floor(roundNoise((max - min) / step)) + 1;
  if (count > 1_000_000) throw new RangeError(`a domain of ${count} values is too large; raise step`);
  return Array.from({ length: count }, (_, i) => roundNoise(min + i * step));
}

/** ⌊log10 |x|⌋, with every |x| < 1 (zero included) in one decade: what "same magnitude" compares. */
export function decade(x: number): number {
  const a = Math.abs(x);
  return a < 1 ? -1 : Math.floor(Math.log10(a) + 1e-12);
}

function render(t: TemplateSpec, item: SuiteItem, scope: Record<string, number>): string {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(scope)) values[k] = formatNumber(v);
  for (const [k, e] of Object.entries(item.entities)) values[k] = e.value;
  return renderTemplate(t.text, values);
}

export type { TwinRandom };

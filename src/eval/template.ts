/** `{{slot}}` templates of generated items, and how their numbers are written. */
import { EvalError } from './eval-error.js';

const SLOT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The distinct slot names a template uses, in order of first appearance. */
export function templateSlots(template: string): string[] {
  const seen = new Set<string>();
  for (const m of template.matchAll(SLOT)) seen.add(m[1]!);
  return [...seen];
}

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(SLOT, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new EvalError(`template slot {{${name}}} has no value`);
    return v;
  });
}

/**
 * A number as an item shows it: whole numbers plainly, others without binary noise (0.1 × 3 is written 0.3),
 * never in exponent notation.
 */
export function formatNumber(x: number): string {
  const r = roundNoise(x);
  if (Number.isInteger(r)) return r.toFixed(0);
  return r.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
}

/** Rounds away floating-point noise below 1e-10 of a unit, so computed answers compare and print cleanly. */
export function roundNoise(x: number): number {
  return Math.round(x * 1e10) / 1e10;
}

/** Digits after the decimal point in the shortest form of `x` (2 for 0.25, 0 for 12). */
export function decimals(x: number): number {
  const s = formatNumber(x);
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** Eval spend limits: `--max-cost 20CNY`, `3.5USD` or a bare number (CNY); compared in CNY nanos through the config's fx. */
import type { Config, Currency } from '../config/types.js';
import { EvalError } from './eval-error.js';

export interface Money {
  amount: number;
  currency: Currency;
}

export function parseMoney(text: string): Money {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(CNY|USD|RMB|¥|\$)?\s*$/i.exec(text);
  if (!m) throw new EvalError(`cannot read the amount '${text}' (use e.g. 20CNY or 3USD)`);
  const unit = (m[2] ?? 'CNY').toUpperCase();
  return { amount: Number(m[1]), currency: unit === 'USD' || unit === '$' ? 'USD' : 'CNY' };
}

/** Nanos of `currency` → CNY nanos. An unknown currency is an error, not a silent zero. */
export function toCnyNanos(nanos: number, currency: string, fx: Config['fx']): number {
  if (currency !== 'CNY' && currency !== 'USD') throw new EvalError(`unknown currency '${currency}'`);
  return nanos * fx[currency];
}

export function moneyToCnyNanos(m: Money, fx: Config['fx']): number {
  return m.amount * 1e9 * fx[m.currency];
}

export function formatCny(cnyNanos: number): string {
  const v = cnyNanos / 1e9;
  return `${v < 1 ? v.toFixed(4) : v.toFixed(2)} CNY`;
}

/** Number, money, time and duration formats shared by every page. */
import type { Lang } from '../i18n/i18n-context.js';

const locale = (lang: Lang) => (lang === 'zh' ? 'zh-CN' : 'en-US');

export function fmtInt(n: number, lang: Lang): string {
  return n.toLocaleString(locale(lang));
}

export function fmtPct(p: number | null | undefined, digits = 1): string {
  return p === null || p === undefined || !Number.isFinite(p) ? '—' : `${(p * 100).toFixed(digits)}%`;
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

const SYMBOL: Record<string, string> = { CNY: '¥', USD: '$' };

/** Money with enough digits for per-request costs (fractions of a cent are common). */
export function fmtMoney(amount: number | null | undefined, currency: string | null | undefined): string {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return '—';
  const sym = SYMBOL[currency ?? ''] ?? `${currency ?? ''} `;
  const abs = Math.abs(amount);
  const digits = abs === 0 ? 2 : abs < 0.01 ? 5 : abs < 1 ? 4 : 2;
  return `${sym}${amount.toFixed(digits)}`;
}

export function fmtTime(ts: number, lang: Lang): string {
  // A 24-hour clock in both languages, as the charts' time axes draw it: one time format on a page.
  return new Date(ts).toLocaleString(locale(lang), { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
}

export function fmtNumber(x: number, digits = 2): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

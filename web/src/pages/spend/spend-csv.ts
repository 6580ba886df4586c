/** The spend table as CSV (RFC 4180 quoting), downloaded as a file from the browser. */
import type { SpendGroup } from '../../api/types.js';
import type { StackBy } from './spend-series.js';

function cell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function spendCsv(groups: readonly SpendGroup[], by: StackBy): string {
  const head = ['day', by, 'currency', 'requests', 'prompt_tokens', 'completion_tokens', 'cost'];
  const rows = groups.map((g) => [g.key.day ?? '', g.key[by] ?? '', g.currency, g.requests, g.prompt_tokens, g.completion_tokens, (g.cost_nanos / 1e9).toFixed(9)]);
  return [head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

export function downloadText(filename: string, text: string, type = 'text/csv;charset=utf-8'): void {
  // A BOM so spreadsheet apps read team and model names in Chinese as UTF-8.
  const blob = new Blob(['\ufeff', text], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

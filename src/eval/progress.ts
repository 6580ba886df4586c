/** The live progress line of a run: `[█████░░░░░] 412/1000  41%  38.2/s  spent 0.0123 CNY  ETA 15s`. */
import { formatCny } from './money.js';
import type { RunProgress } from './runner.js';

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function renderProgress(p: RunProgress, barWidth = 24): string {
  const share = p.total === 0 ? 1 : p.done / p.total;
  const filled = Math.round(share * barWidth);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
  const parts = [
    `[${bar}]`,
    `${p.done}/${p.total}`,
    `${Math.floor(share * 100)}%`,
    `${p.ratePerS.toFixed(1)}/s`,
    `spent ${formatCny(p.spentCnyNanos)}`,
    p.finished ? `took ${formatDuration(p.elapsedMs)}` : `ETA ${p.etaMs === null ? '?' : formatDuration(p.etaMs)}`,
  ];
  if (p.cached) parts.splice(3, 0, `${p.cached} cached`);
  if (p.failed) parts.push(`${p.failed} failed`);
  return parts.join('  ');
}

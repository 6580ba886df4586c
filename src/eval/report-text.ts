/** The terminal form of a report: one row per contender, then the verdict lines and any warnings. */
import { formatCny } from './money.js';
import type { EvalReport } from './report.js';
import { fmt, fmtP, signed } from './verdict.js';

export function alignedTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n') + '\n';
}

export function renderReportText(report: EvalReport): string {
  const k = report.run.samples;
  const rows = report.contenders.map((c) => [
    c.contender + (c.reference ? ' (ref)' : ''),
    `${fmt(c.score.score.value)} [${fmt(c.score.score.lower)}, ${fmt(c.score.score.upper)}]`,
    c.twinAccuracy === null ? '-' : fmt(c.twinAccuracy),
    c.gap.all ? `${signed(c.gap.all.gap)} [${fmt(c.gap.all.lower)}, ${fmt(c.gap.all.upper)}]` : '-',
    c.gap.all ? fmtP(c.gap.all.pValue) : '-',
    k > 1 ? fmt(100 * c.score.stability.passAtK) : '-',
    k > 1 ? fmt(100 * c.score.stability.passHatK) : '-',
    c.score.stability.consistency === null ? '-' : fmt(100 * c.score.stability.consistency),
    String(c.samples.errors),
    formatCny(c.cost.cnyNanos),
    c.latencyMs ? `${Math.round(c.latencyMs.p50)}` : '-',
    c.verdict.status,
  ]);
  const out = [
    `run ${report.run.id} (${report.run.label}): ${report.run.status}${report.run.stopReason ? ` — ${report.run.stopReason}` : ''}; ${k} sample${k > 1 ? 's' : ''} per item, twins: ${report.run.twins.join(', ') || 'none'}\n`,
    alignedTable(['contender', 'score [95% CI]', 'twins', 'gap [95% CI]', 'p', `pass@${k}`, `pass^${k}`, 'consist.', 'errors', 'cost', 'p50 ms', 'verdict'], rows),
    '',
    ...report.contenders.map((c) => c.verdict.line),
  ];
  if (report.run.missing > 0) out.push(`note: ${report.run.missing} samples have no result yet (resume the run to complete it)`);
  for (const w of report.run.warnings.slice(0, 5)) out.push(`warning: ${w}`);
  if (report.run.warnings.length > 5) out.push(`warning: … ${report.run.warnings.length - 5} more`);
  return out.join('\n') + '\n';
}

/** The Markdown report: summary, verdicts, gaps per twin kind, per-tag and per-suite scores, cost and latency, and the worst items for humans to read. */
import { formatCny } from './money.js';
import type { Breakdown, ContenderReport, EvalReport } from './report.js';
import { fmt, fmtP, signed } from './verdict.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const table = (headers: string[], rows: string[][]) =>
  [`| ${headers.join(' | ')} |`, `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
const quote = (s: string, max = 400) => {
  const t = s.length > max ? `${s.slice(0, max)}…` : s;
  return t.split('\n').map((l) => `> ${l}`).join('\n');
};
const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function renderReportMarkdown(report: EvalReport): string {
  const r = report.run;
  const k = r.samples;
  const lines: string[] = [
    `# Eval report ${r.id}`,
    '',
    `Suites: ${r.suites.map((s) => `${s.name} (${s.items} items)`).join(', ')}. Samples per item: ${k}. Twins: ${r.twins.join(', ') || 'none'}. α = ${r.alpha}.` +
      (r.references.length ? ` References: ${r.references.join(', ')}.` : '') +
      (r.judge ? ` Judge: ${r.judge}.` : '') +
      ` Status: ${r.status}${r.stopReason ? ` (${r.stopReason})` : ''}.`,
    '',
    '## Summary',
    '',
    table(
      ['contender', 'score [95% CI]', 'twins', 'gap [95% CI]', 'McNemar p', 'mean acc.', `pass@${k}`, `pass^${k}`, 'consistency', 'errors', 'verdict'],
      report.contenders.map((c) => [
        c.contender + (c.reference ? ' (reference)' : ''),
        `${fmt(c.score.score.value)} [${fmt(c.score.score.lower)}, ${fmt(c.score.score.upper)}]`,
        c.twinAccuracy === null ? '-' : fmt(c.twinAccuracy),
        c.gap.all ? `${signed(c.gap.all.gap)} [${fmt(c.gap.all.lower)}, ${fmt(c.gap.all.upper)}]` : '-',
        c.gap.all ? fmtP(c.gap.all.pValue) : '-',
        fmt(100 * c.score.stability.meanAccuracy),
        fmt(100 * c.score.stability.passAtK),
        fmt(100 * c.score.stability.passHatK),
        c.score.stability.consistency === null ? '-' : fmt(100 * c.score.stability.consistency),
        String(c.samples.errors),
        `**${c.verdict.status}**`,
      ]),
    ),
    '',
    ...report.contenders.map((c) => `- ${c.verdict.line}`),
    '',
    '## Gaming gap by twin kind',
    '',
    table(
      ['contender', 'kind', 'items', 'originals', 'twins', 'gap [95% CI]', 'b', 'c', 'McNemar p'],
      report.contenders.flatMap((c) =>
        [...(c.gap.all ? [c.gap.all] : []), ...c.gap.byKind].map((g) => [c.contender, g.kind, String(g.items), fmt(100 * g.originalAccuracy), fmt(100 * g.twinAccuracy), `${signed(g.gap)} [${fmt(g.lower)}, ${fmt(g.upper)}]`, String(g.b), String(g.c), fmtP(g.pValue)]),
      ),
    ),
    '',
  ];
  const adjusted = report.contenders.filter((c) => c.referenceGap);
  if (adjusted.length) {
    lines.push('## Reference-adjusted gap', '', table(
      ['contender', 'references', 'method', 'predicted twins', 'twins', 'adjusted gap [95% CI]', 'p'],
      adjusted.map((c) => {
        const g = c.referenceGap!;
        return [c.contender, g.references.join(', '), g.method, fmt(g.predictedTwinAccuracy), fmt(g.twinAccuracy), `${signed(g.delta)} [${fmt(g.lower)}, ${fmt(g.upper)}]`, fmtP(g.pValue)];
      }),
    ), '');
  }
  lines.push('## By tag', '', breakdownTable(report.contenders, (c) => c.tags), '', '## By suite', '', breakdownTable(report.contenders, (c) => c.suites), '');
  lines.push('## Cost and latency', '', table(
    ['contender', 'graded samples', 'errors', 'cost', 'cost / sample', 'prompt tokens', 'completion tokens', 'p50 ms', 'p95 ms'],
    report.contenders.map((c) => [
      c.contender, String(c.samples.graded), String(c.samples.errors) + (Object.keys(c.errorCodes).length ? ` (${Object.entries(c.errorCodes).map(([k, n]) => `${k} ×${n}`).join(', ')})` : ''),
      formatCny(c.cost.cnyNanos), c.cost.perSampleCnyNanos === null ? '-' : formatCny(c.cost.perSampleCnyNanos), String(c.tokens.prompt), String(c.tokens.completion),
      c.latencyMs ? String(Math.round(c.latencyMs.p50)) : '-', c.latencyMs ? String(Math.round(c.latencyMs.p95)) : '-',
    ]),
  ), '');
  lines.push('## Worst items', '', 'Items where the original and a twin disagree most, for humans to read.', '');
  for (const c of report.contenders) {
    if (c.worst.length === 0) continue;
    lines.push(`### ${c.contender}`, '');
    for (const w of c.worst) {
      lines.push(
        `#### ${w.itemId}: original ${fmt(w.original.accuracy)} vs ${w.twin.kind} ${fmt(w.twin.accuracy)}`,
        '',
        'Original:',
        quote(w.original.prompt),
        '',
        `Expected \`${show(w.original.expected)}\`; answered: ${w.original.answer === null ? '(no answer)' : `\`${cell(w.original.answer.slice(0, 200))}\``}`,
        '',
        `Twin \`${w.twin.id}\`${w.twin.note ? ` (${w.twin.note})` : ''}:`,
        quote(w.twin.prompt),
        '',
        `Expected \`${show(w.twin.expected)}\`; answered: ${w.twin.answer === null ? '(no answer)' : `\`${cell(w.twin.answer.slice(0, 200))}\``}`,
        '',
      );
    }
  }
  if (r.warnings.length) lines.push('## Warnings', '', ...r.warnings.map((w) => `- ${w}`), '');
  return lines.join('\n');
}

function breakdownTable(contenders: readonly ContenderReport[], of: (c: ContenderReport) => Breakdown[]): string {
  return table(
    ['contender', 'group', 'items', 'score', 'twins', 'gap'],
    contenders.flatMap((c) => of(c).map((b) => [c.contender, b.key, String(b.items), fmt(b.score), b.twinAccuracy === null ? '-' : fmt(b.twinAccuracy), b.gap === null ? '-' : signed(b.gap)])),
  );
}

/**
 * A table in its sideways-scrolling region (`.table-wrap`, watched by scroll-cues.ts for its cue): the head's
 * cells from `columns`, the body's rows as children. Every table of the dashboard is one of these.
 */
import type { ReactNode } from 'react';

export interface Column {
  label: ReactNode;
  /** A right-aligned number column. */
  num?: boolean;
  /** The header's hover text (what the column means). */
  title?: string;
  testId?: string;
  className?: string;
}

export function DataTable({ columns, testId, className, children }: { columns: ReadonlyArray<Column>; testId?: string; className?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className ? `table ${className}` : 'table'} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} className={[c.num ? 'num' : '', c.className ?? ''].join(' ').trim() || undefined} title={c.title} data-testid={c.testId}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

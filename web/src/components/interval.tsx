/** A point estimate with its interval as a small inline whisker plus text, e.g. "2.1% [0.4, 6.0]". */
export function Interval({ value, lo, hi, format, scale }: { value: number | null; lo: number | null; hi: number | null; format: (x: number) => string; scale?: [number, number] }) {
  if (value === null) return <span className="muted">—</span>;
  const [min, max] = scale ?? [0, 1];
  const pos = (x: number) => `${Math.max(0, Math.min(100, ((x - min) / (max - min || 1)) * 100))}%`;
  return (
    <span className="interval">
      <span className="interval-text">{format(value)}</span>
      {lo !== null && hi !== null ? (
        <>
          <span className="interval-range muted small">
            [{format(lo)}, {format(hi)}]
          </span>
          <span className="whisker" aria-hidden="true">
            <span className="whisker-line" style={{ left: pos(lo), width: `calc(${pos(hi)} - ${pos(lo)})` }} />
            <span className="whisker-dot" style={{ left: pos(value) }} />
          </span>
        </>
      ) : null}
    </span>
  );
}

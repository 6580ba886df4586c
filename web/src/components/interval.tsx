/** A point estimate with its interval as text, e.g. "2.1% [0.4, 6.0]", and (unless `bar` is false) a small inline whisker. */
export function Interval({ value, lo, hi, format, scale, bar = true }: { value: number | null; lo: number | null; hi: number | null; format: (x: number) => string; scale?: [number, number]; bar?: boolean }) {
  if (value === null) return <span className="muted">—</span>;
  const [min, max] = scale ?? [0, 1];
  const frac = (x: number) => Math.max(0, Math.min(1, (x - min) / (max - min || 1)));
  // Positions run over the whisker less the dot's width, so a dot at either end stays inside the whisker.
  const pos = (x: number) => `calc(4px + (100% - 8px) * ${frac(x)})`;
  return (
    <span className="interval">
      <span className="interval-text">{format(value)}</span>
      {lo !== null && hi !== null ? (
        <>
          <span className="interval-range muted small">
            [{format(lo)}, {format(hi)}]
          </span>
          {bar ? (
            <span className="whisker" aria-hidden="true">
              <span className="whisker-line" style={{ left: pos(lo), width: `calc((100% - 8px) * ${frac(hi) - frac(lo)})` }} />
              <span className="whisker-dot" style={{ left: pos(value) }} />
            </span>
          ) : null}
        </>
      ) : null}
    </span>
  );
}

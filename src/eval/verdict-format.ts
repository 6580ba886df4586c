/** Number formats shared by the eval reports, the verdict lines and the gate. */
export const fmt = (x: number): string => (Number.isNaN(x) ? '-' : x.toFixed(1));
export const signed = (x: number): string => (Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}`);
export function fmtP(p: number): string {
  if (Number.isNaN(p)) return '-';
  if (p >= 0.001) return p.toFixed(3);
  return p.toExponential(1);
}

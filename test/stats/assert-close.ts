import assert from 'node:assert/strict';

/** Asserts |actual − expected| ≤ tolerance, or relative error ≤ tolerance with `{ relative: true }`. */
export function assertClose(
  actual: number, expected: number, tolerance: number, options: { relative?: boolean; label?: string } = {},
): void {
  const error = Math.abs(actual - expected);
  const bound = options.relative === true ? tolerance * Math.abs(expected) : tolerance;
  assert.ok(error <= bound,
    `${options.label ?? 'value'}: got ${actual}, expected ${expected} ± ${bound} (off by ${error})`);
}

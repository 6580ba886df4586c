// Reference values: Student's t table quantiles (t_{0.975, 10} = 2.228138851986274, …) as computed by
// scipy.stats 1.17 / Boost, and the closed forms for 1 and 2 degrees of freedom.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regularizedBeta, studentTCdf, studentTQuantile, studentTSf } from '../../src/stats/index.js';
import { assertClose } from './assert-close.js';

test('t quantiles match the published table', () => {
  const table: Array<[number, number, number]> = [
    [0.975, 1, 12.706204736174694], [0.975, 2, 4.302652729749462], [0.975, 5, 2.5705818356363146],
    [0.975, 10, 2.228138851986274], [0.975, 30, 2.0422724563012378], [0.995, 10, 3.16927267261695],
    [0.975, 1000, 1.9623390808264083], [0.95, 55.70744914862206, 1.672670057440192],
  ];
  for (const [p, df, expected] of table) {
    assertClose(studentTQuantile(p, df), expected, 1e-12, { relative: true, label: `t(${p}, ${df})` });
    assertClose(studentTQuantile(1 - p, df), -expected, 1e-11, { relative: true, label: `t(${1 - p}, ${df})` });
  }
  assert.equal(studentTQuantile(0.5, 7), 0);
});

test('t CDF matches closed forms and table values', () => {
  for (const x of [-30, -2, 0.3, 1, 4, 250]) {
    assertClose(studentTSf(x, 1), 0.5 - Math.atan(x) / Math.PI, 1e-14, { label: `sf(${x}; 1)` });
    assertClose(studentTSf(x, 2), 0.5 - x / (2 * Math.sqrt(2 + x * x)), 1e-14, { label: `sf(${x}; 2)` });
  }
  assertClose(studentTSf(2.228138851986274, 10), 0.025, 1e-15);
  assertClose(studentTSf(1, 3), 0.19550110947788524, 1e-14);
  assertClose(studentTSf(-2, 4.5), 0.9458710464094375, 1e-14);
  assertClose(studentTSf(0.5, 1e5), 0.30853808882720896, 1e-12, { relative: true });
  assertClose(studentTCdf(1.3, 7) + studentTSf(1.3, 7), 1, 1e-15);
});

test('incomplete beta matches the closed form I_x(1, b) = 1 − (1 − x)^b and symmetry', () => {
  assertClose(regularizedBeta(0.3, 1, 4), 1 - 0.7 ** 4, 1e-15);
  assertClose(regularizedBeta(0.3, 2.5, 3.5) + regularizedBeta(0.7, 3.5, 2.5), 1, 1e-15);
  assert.equal(regularizedBeta(0, 2, 3), 0);
  assert.equal(regularizedBeta(1, 2, 3), 1);
});

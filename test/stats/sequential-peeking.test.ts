// The property the race monitor relies on: checking an always-valid test after every batch keeps the false-alarm
// rate ≤ α, while a fixed-horizon z-test checked at every look does not (Johari et al., "Peeking at A/B tests",
// KDD 2017, Fig. 1: ~40 % with many looks). 2,000 simulated A/A races of an error rate (p = 0.1), 200 looks of 25
// requests per arm each (5,000 per arm at the end), seeded so the result is reproducible.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  confidenceSequence, estimateEffect, msprtTest, normalQuantile, proportionStats, SeededRandom,
} from '../../src/stats/index.js';

const RACES = 2000;
const LOOKS = 200;
const BATCH = 25;
const RATE = 0.1;
const ALPHA = 0.05;

test('always-valid tests hold α under continuous monitoring; a naive z-test at every look does not', () => {
  const rng = new SeededRandom(20240501);
  const zCritical = normalQuantile(1 - ALPHA / 2);
  const alarms = { twoSided: 0, oneSided: 0, msprt: 0, naive: 0 };
  for (let race = 0; race < RACES; race++) {
    let errorsC = 0;
    let errorsT = 0;
    let msprtP = 1;
    const raised = { twoSided: false, oneSided: false, msprt: false, naive: false };
    for (let look = 1; look <= LOOKS; look++) {
      for (let i = 0; i < BATCH; i++) {
        if (rng.next() < RATE) errorsC++;
        if (rng.next() < RATE) errorsT++;
      }
      const n = look * BATCH;
      const control = proportionStats(errorsC, n);
      const treatment = proportionStats(errorsT, n);
      const cs = confidenceSequence(control, treatment, { scale: 'absolute' });
      if (cs.lower > 0 || cs.upper < 0) raised.twoSided = true;
      // A guardrail: "challenger's error rate is higher" with a one-sided sequence.
      if (confidenceSequence(control, treatment, { scale: 'absolute', alternative: 'greater' }).lower > 0) {
        raised.oneSided = true;
      }
      msprtP = msprtTest(control, treatment, { scale: 'absolute', tau: 0.02 }, msprtP).pValue;
      if (msprtP <= ALPHA) raised.msprt = true;
      const effect = estimateEffect(control, treatment, 'absolute');
      if (effect.variance > 0 && Math.abs(effect.estimate) / Math.sqrt(effect.variance) > zCritical) raised.naive = true;
    }
    for (const key of Object.keys(alarms) as Array<keyof typeof alarms>) if (raised[key]) alarms[key]++;
  }
  const rate = (k: keyof typeof alarms) => alarms[k] / RACES;
  assert.ok(rate('twoSided') <= ALPHA, `two-sided CS false alarms ${rate('twoSided')}`);
  assert.ok(rate('oneSided') <= ALPHA, `one-sided CS false alarms ${rate('oneSided')}`);
  assert.ok(rate('msprt') <= ALPHA, `mSPRT false alarms ${rate('msprt')}`);
  assert.ok(rate('naive') > 2 * ALPHA, `naive z-test false alarms ${rate('naive')}`);
});

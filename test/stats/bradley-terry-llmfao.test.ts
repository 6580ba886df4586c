// The fit reproduces published Bradley–Terry scores on real crowd votes: LLMFAO (Dmitry Ustalov, CC BY 4.0), 8,931
// votes over 59 models, scores from dustalov/evalica `llmfao-golden.csv` converted to the arena scale (see
// test/fixtures/arena/README.md). Every rating must match to ±0.001 points.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { aggregateBattles, battlesPerModel, fitBradleyTerry, type Battle } from '../../src/stats/bradley-terry.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/arena/${name}`, import.meta.url), 'utf8');

/** The fixtures quote no field, so a plain split is a faithful CSV parse; the width check guards that. */
function rows(text: string, width: number): string[][] {
  const lines = text.trimEnd().split('\n').slice(1);
  return lines.map((line, k) => {
    const cells = line.split(',');
    assert.equal(cells.length, width, `row ${k + 2} has ${cells.length} fields`);
    return cells;
  });
}

test('Bradley–Terry on LLMFAO crowd votes matches the published ratings to ±0.001', () => {
  const votes = rows(fixture('llmfao-crowd-comparisons.csv'), 8);
  const index = new Map<string, number>();
  const id = (name: string) => index.get(name) ?? index.set(name, index.size).get(name)!;
  // Columns id,prompt,model_x,model_y,worker,winner,left,right: `left` is model a, `right` is model b.
  const battles: Battle[] = votes.map(([, , , , , winner, left, right]) => ({
    a: id(left!),
    b: id(right!),
    outcome: winner === 'left' ? 'a' : winner === 'right' ? 'b' : winner === 'tie' ? 'tie' : assert.fail(`winner ${winner}`),
  }));
  assert.equal(battles.length, 8931);
  assert.equal(index.size, 59);

  const counts = aggregateBattles(battles, index.size);
  const fit = fitBradleyTerry(counts);
  assert.ok(fit.converged);
  assert.deepEqual(fit.unrated, []);
  const played = battlesPerModel(counts);

  const expected = rows(fixture('llmfao-expected-bt.csv'), 4);
  assert.equal(expected.length, 59);
  let worst = 0;
  for (const [model, , elo, games] of expected) {
    const k = index.get(model!);
    assert.ok(k !== undefined, `model ${model} missing from the votes`);
    assert.equal(played[k], Number(games), `${model}: battle count`);
    const delta = Math.abs(fit.ratings[k]! - Number(elo));
    worst = Math.max(worst, delta);
    assert.ok(delta <= 0.001, `${model}: fitted ${fit.ratings[k]!.toFixed(4)}, published ${elo}`);
  }
  assert.ok(worst <= 0.001);
});

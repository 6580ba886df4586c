/**
 * The style-controlled column of the leaderboard (Chatbot Arena's "style control", FastChat `fit_contextual_bt`):
 * ratings once answer length and markdown are accounted for, with bootstrap intervals over battles (FastChat
 * resamples battle indices uniformly, `np.random.randint`). FastChat z-scores the features once on all battles;
 * `fitStyleControlled` z-scores each resample, which moves the intervals only by the resample's spread of the
 * feature scale. Each round is a full Newton fit over every battle, hence the smaller default round count.
 */
import type { StyledBattle } from '../store/index.js';
import { fitStyleControlled, quantileSorted, SeededRandom, type StyleBattle } from '../stats/index.js';
import { STYLE_FEATURES, styleVector } from './style.js';

export interface StyleResult {
  rows: Array<{ rating: number | null; ci_lower: number | null; ci_upper: number | null }>;
  summary: {
    battles: number;
    /** Log-odds per standard deviation of each feature's normalised difference (a minus b). */
    coefficients: Record<(typeof STYLE_FEATURES)[number], number>;
    bootstrap_rounds: number;
    anchored: boolean;
  };
}

const num = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export function fitStyleLeaderboard(
  styled: readonly StyledBattle[],
  index: ReadonlyMap<string, number>,
  opts: { rounds: number; seed: number; level: number; anchor: { index: number; rating: number } | undefined },
): StyleResult {
  const n = index.size;
  const battles: StyleBattle[] = styled
    .map((s) => ({ a: index.get(s.contenderA)!, b: index.get(s.contenderB)!, outcome: s.winner, styleA: styleVector(s.styleA), styleB: styleVector(s.styleB) }))
    .filter((b) => b.a !== b.b);
  // The anchor may have no styled battle (e.g. imported without answers); then the style column is mean-centred.
  const playing = new Set(battles.flatMap((b) => [b.a, b.b]));
  const anchor = opts.anchor && playing.has(opts.anchor.index) ? opts.anchor : undefined;
  const fit = fitStyleControlled(battles, n, anchor ? { anchor } : {});
  const samples: number[][] = Array.from({ length: n }, () => []);
  const random = new SeededRandom(opts.seed);
  const resample = new Array<StyleBattle>(battles.length);
  for (let round = 0; round < opts.rounds && battles.length > 0; round++) {
    for (let t = 0; t < battles.length; t++) resample[t] = battles[Math.floor(random.next() * battles.length)]!;
    const drawn = new Set(resample.flatMap((b) => [b.a, b.b]));
    if (anchor && !drawn.has(anchor.index)) continue;
    const r = fitStyleControlled(resample, n, anchor ? { anchor } : {});
    r.ratings.forEach((x, v) => {
      if (Number.isFinite(x)) samples[v]!.push(x);
    });
  }
  const rows = Array.from({ length: n }, (_, v) => {
    const xs = Float64Array.from(samples[v]!).sort();
    return {
      rating: num(fit.ratings[v]),
      ci_lower: xs.length ? quantileSorted(xs, (1 - opts.level) / 2) : null,
      ci_upper: xs.length ? quantileSorted(xs, (1 + opts.level) / 2) : null,
    };
  });
  const coefficients = Object.fromEntries(STYLE_FEATURES.map((f, k) => [f, fit.coefficients[k] ?? 0])) as StyleResult['summary']['coefficients'];
  return { rows, summary: { battles: battles.length, coefficients, bootstrap_rounds: opts.rounds, anchored: anchor !== undefined } };
}

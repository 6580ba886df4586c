/**
 * Arena statistics cost at leaderboard scale: 1,000,000 simulated battles over 50 contenders (true ratings
 * 800 … 1200, up to 20% ties), then aggregation, the Bradley–Terry fit and a 1,000-round bootstrap, on one thread.
 * The bar is under 5 s in total. Prints wall and CPU time per phase, and how well the fit recovers the truth.
 * With --style it also times one style-controlled fit (4 random style features per side; not part of the bar).
 * Run: node --import tsx bench/arena.ts [--battles 1000000] [--models 50] [--rounds 1000] [--seed 1] [--style]
 */
import { parseArgs } from 'node:util';
import { bootstrapBradleyTerry } from '../src/stats/bootstrap.js';
import { aggregateBattles, fitBradleyTerry, rankRanges, type Battle } from '../src/stats/bradley-terry.js';
import { mulberry32 } from '../src/stats/bradley-terry-resample.js';
import { fitStyleControlled, type StyleBattle } from '../src/stats/bradley-terry-style.js';

const { values: args } = parseArgs({
  options: {
    battles: { type: 'string', default: '1000000' },
    models: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    style: { type: 'boolean', default: false },
  },
});
const N_BATTLES = Number(args.battles);
const N_MODELS = Number(args.models);
const ROUNDS = Number(args.rounds);
const rand = mulberry32(Number(args.seed));

// Truth centred on 1000, so it is directly comparable with the fit's mean-1000 ratings.
const truth = Array.from({ length: N_MODELS }, (_, k) => 800 + (400 * k) / (N_MODELS - 1));
const TIE = 0.2;

function simulate(): Battle[] {
  const battles = new Array<Battle>(N_BATTLES);
  for (let t = 0; t < N_BATTLES; t++) {
    const a = Math.floor(rand() * N_MODELS);
    const b = (a + 1 + Math.floor(rand() * (N_MODELS - 1))) % N_MODELS;
    // Ties are drawn so that a's expected credit (win + tie/2) stays the BT probability p, keeping the truth the
    // MLE's target: P(tie) = 4·TIE·p(1−p) (TIE at even odds), taken half from each side's win probability.
    const p = 1 / (1 + 10 ** ((truth[b]! - truth[a]!) / 400));
    const halfTie = 2 * TIE * p * (1 - p);
    const u = rand();
    const outcome = u < p - halfTie ? 'a' : u >= p + halfTie ? 'b' : u < p ? 'tie' : 'tie_bothbad';
    battles[t] = { a, b, outcome };
  }
  return battles;
}

function timed<T>(label: string, fn: () => T): { value: T; ms: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  const value = fn();
  const ms = performance.now() - wall;
  const used = process.cpuUsage(cpu);
  console.log(`${label.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms wall ${((used.user + used.system) / 1000).toFixed(1).padStart(8)} ms cpu`);
  return { value, ms };
}

console.log(`arena bench: ${N_BATTLES.toLocaleString('en-US')} battles, ${N_MODELS} contenders, ${ROUNDS} bootstrap rounds, node ${process.version}`);
const battles = timed('simulate battles (not counted)', simulate).value;
const agg = timed('aggregate', () => aggregateBattles(battles, N_MODELS));
const fit = timed('fit (Newton, cold start)', () => fitBradleyTerry(agg.value));
const boot = timed(`bootstrap ${ROUNDS} rounds (fit + CIs)`, () => bootstrapBradleyTerry(agg.value, { rounds: ROUNDS, seed: 0 }));
const total = agg.ms + fit.ms + boot.ms;
console.log(`${'TOTAL aggregate + fit + bootstrap'.padEnd(34)} ${total.toFixed(1).padStart(8)} ms wall (bar: 5000 ms) ${total < 5000 ? 'PASS' : 'FAIL'}`);

const b = boot.value;
let worst = 0;
let covered = 0;
let width = 0;
for (let k = 0; k < N_MODELS; k++) {
  worst = Math.max(worst, Math.abs(fit.value.ratings[k]! - truth[k]!));
  if (b.lower[k]! <= truth[k]! && truth[k]! <= b.upper[k]!) covered++;
  width += (b.upper[k]! - b.lower[k]!) / N_MODELS;
}
const ranks = rankRanges(b.fit.ratings, b.lower, b.upper);
console.log(`fit: ${fit.value.iterations} Newton iterations, converged ${fit.value.converged}, max |rating − truth| ${worst.toFixed(2)}`);
console.log(`bootstrap: mean 95% CI width ${width.toFixed(2)} points, truth covered ${covered}/${N_MODELS}, degenerate rounds ${b.degenerateRounds}`);
console.log(`top contender: rating ${b.fit.ratings[N_MODELS - 1]!.toFixed(2)} [${b.lower[N_MODELS - 1]!.toFixed(2)}, ${b.upper[N_MODELS - 1]!.toFixed(2)}], rank ${ranks[N_MODELS - 1]!.best}–${ranks[N_MODELS - 1]!.worst}`);

if (args.style) {
  const counts = () => [Math.floor(rand() * 1000), Math.floor(rand() * 5), Math.floor(rand() * 15), Math.floor(rand() * 8)];
  const styled: StyleBattle[] = battles.map((battle) => ({ ...battle, styleA: counts(), styleB: counts() }));
  const sc = timed('style-controlled fit (not counted)', () => fitStyleControlled(styled, N_MODELS));
  console.log(`style control: ${sc.value.iterations} Newton iterations, converged ${sc.value.converged}, β ${[...sc.value.coefficients].map((c) => c.toFixed(4)).join(' ')}`);
}

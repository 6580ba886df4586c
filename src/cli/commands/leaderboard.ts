/** `saima leaderboard [--race R] [--tag T] [--json]`: the arena's Bradley–Terry leaderboard from the battles table. */
import type { Command } from 'commander';
import { parseLeaderboardParams, queryLeaderboard, type LeaderboardReport } from '../../arena/index.js';
import { RaceBook } from '../../race/race-book.js';
import { RaceStates } from '../../race/race-states.js';
import { withStore } from '../open-store.js';
import { renderTable } from '../table.js';

interface LeaderboardFlags {
  race?: string;
  tag?: string;
  language?: string;
  source?: string;
  since?: string;
  style?: boolean;
  anchor?: string;
  anchorRating?: string;
  rounds?: string;
  seed?: string;
  json?: boolean;
  config: string;
}

/** Fixed decimals, padded to one width: the table pads text to the right, so equal widths read right-aligned. */
function column(values: Array<number | string | null>, digits = 1): Array<string | null> {
  const text = values.map((v) => (v === null ? null : typeof v === 'number' ? v.toFixed(digits) : v));
  const width = Math.max(0, ...text.map((t) => t?.length ?? 0));
  return text.map((t) => (t === null ? null : t.padStart(width)));
}

export function renderLeaderboard(board: LeaderboardReport): string {
  const scope = [board.race ? `race ${board.race}` : 'all battles', board.tag ? `tag ${board.tag}` : '', board.language ? `language ${board.language}` : '', board.sources ? `sources ${board.sources.join(',')}` : '']
    .filter(Boolean)
    .join(', ');
  const variants = new Map(board.owners.map((o) => [o.owner, o.variants]));
  const style = board.style_control !== null;
  const rating = column(board.data.map((r) => r.rating));
  const ci = column(board.data.map((r) => (r.ci_lower === null || r.ci_upper === null || r.rating === null ? null : `+${(r.ci_upper - r.rating).toFixed(1)}/-${(r.rating - r.ci_lower).toFixed(1)}`)));
  const styled = column(board.data.map((r) => r.style?.rating ?? null));
  const winRate = column(board.data.map((r) => (r.win_rate === null ? null : 100 * r.win_rate)));
  const rows = board.data.map((r, i) => [
    r.rank === null ? null : r.rank === r.rank_worst ? String(r.rank) : `${r.rank}-${r.rank_worst}`,
    r.contender,
    rating[i]!,
    ci[i]!,
    ...(style ? [styled[i]!] : []),
    r.battles,
    winRate[i]!,
    `${r.owner} (${variants.get(r.owner) ?? 0})`,
    [r.retired ? 'retired' : r.rating === null ? 'unrated' : '', r.few_battles && r.battles > 0 ? `few battles (<${board.method.min_battles})` : ''].filter(Boolean).join(', '),
  ]);
  const level = Math.round(board.method.level * 100);
  const head = ['rank', 'contender', 'rating', `${level}% CI`, ...(style ? ['style-ctrl'] : []), 'battles', 'win %', 'owner (variants)', 'status'];
  const anchor = board.method.anchor ? `${board.method.anchor.contender} = ${board.method.anchor.rating}` : 'mean 1000';
  let out = `${scope}: ${board.battles} battles${board.judge_errors ? ` (+${board.judge_errors} judge errors, not rated)` : ''}; Bradley–Terry, ${anchor}, ${rounds(board.method)}\n\n`;
  out += renderTable(head, rows);
  if (board.style_control) {
    const c = board.style_control.coefficients;
    out += `\nstyle control over ${board.style_control.battles} battles: tokens ${c.tokens.toFixed(3)}, headers ${c.headers.toFixed(3)}, lists ${c.lists.toFixed(3)}, bold ${c.bold.toFixed(3)} (log-odds per sd)\n`;
  }
  return out;
}

/** `1000 bootstrap rounds (seed 0)`, or, when some were dropped, how many the intervals actually rest on. */
function rounds(m: LeaderboardReport['method']): string {
  if (m.bootstrap_rounds === 0) return 'no bootstrap';
  const usable = m.degenerate_rounds > 0 ? `, ${m.usable_rounds} usable: ${m.degenerate_rounds} degenerate rounds dropped (a resample that cannot rate every contender)` : '';
  return `${m.bootstrap_rounds} bootstrap rounds (seed ${m.seed}${usable})`;
}

export function registerLeaderboardCommand(program: Command): void {
  program
    .command('leaderboard')
    .description('Arena leaderboard: Bradley–Terry ratings with bootstrap CIs from the battles')
    .option('--race <race>', 'only battles between this race’s members')
    .option('--tag <tag>', 'only battles with this tag')
    .option('--language <lang>', 'only battles in this language (e.g. zh, en)')
    .option('--source <list>', 'only these sources: human, judge, shadow_judge')
    .option('--since <duration>', 'only battles since, e.g. 30d')
    .option('--style', 'add the style-controlled rating (length and markdown as covariates)')
    .option('--anchor <contender>', 'shift ratings so this contender has --anchor-rating')
    .option('--anchor-rating <rating>', 'the anchor’s rating', '1000')
    .option('--rounds <n>', 'bootstrap rounds (0 = none)', '1000')
    .option('--seed <n>', 'bootstrap seed', '0')
    .option('--json', 'JSON output (the API’s shape)')
    .option('-c, --config <file>', 'config file', 'saima.yaml')
    .action(async (o: LeaderboardFlags) =>
      withStore(o.config, async (store, config) => {
        const states = new RaceStates(store, config, new RaceBook(config));
        await states.init();
        const query = parseLeaderboardParams(
          { race: o.race, tag: o.tag, language: o.language, source: o.source, since: o.since, style: o.style ? 'true' : undefined, anchor: o.anchor, anchor_rating: o.anchorRating, rounds: o.rounds, seed: o.seed },
          Date.now(),
        );
        const board = await queryLeaderboard({ config, store, stateOf: (r) => states.get(r) }, query);
        process.stdout.write(o.json ? `${JSON.stringify(board, null, 2)}\n` : renderLeaderboard(board));
      }, { reads: true }),
    );
}

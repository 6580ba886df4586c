/** The arena API's JSON (src/arena/leaderboard.ts, src/arena/match.ts). */

export interface LeaderboardRow {
  rank: number | null;
  rank_worst: number | null;
  /** Share of the usable bootstrap rounds in which the contender kept its place in the order of ratings. */
  rank_held: number | null;
  contender: string;
  rating: number | null;
  ci_lower: number | null;
  ci_upper: number | null;
  battles: number;
  wins: number;
  losses: number;
  ties: number;
  win_rate: number | null;
  retired: boolean;
  /** Fewer than method.min_battles battles: the interval rests on too little. */
  few_battles: boolean;
  owner: string;
}

export interface LeaderboardReport {
  object: 'arena.leaderboard';
  battles: number;
  judge_errors: number;
  method: { bootstrap_rounds: number; level: number; degenerate_rounds: number; usable_rounds: number; min_battles: number };
  data: LeaderboardRow[];
  /** P(row beats column): `observed` in the battles, `predicted` from the ratings; `battles` per pair. */
  win_rates: { contenders: string[]; predicted: Array<Array<number | null>>; observed: Array<Array<number | null>>; battles: number[][] };
  race: string | null;
  tag: string | null;
  language: string | null;
}

export interface MatchView {
  id: string;
  object: 'arena.match';
  race: string;
  answers: [{ label: 'A'; content: string }, { label: 'B'; content: string }];
}

export type BattleWinner = 'a' | 'b' | 'tie' | 'tie_bothbad';

export interface VoteResult {
  object: 'arena.vote';
  match_id: string;
  battle_id: string;
  race: string;
  winner: BattleWinner;
  contender_a: string;
  contender_b: string;
}

export type MatchSide = 'a' | 'b';

/** One server-sent event of a streamed match (`POST /v1/arena/match` with `"stream": true`, src/arena/match-stream.ts). */
export type MatchStreamEvent =
  | { type: 'match.created'; id: string; object: 'arena.match'; race: string; sides: [MatchSide, MatchSide] }
  | { type: 'answer.delta'; side: MatchSide; delta: string }
  | { type: 'answer.done'; side: MatchSide; finish_reason: string | null }
  | { type: 'answer.error'; side: MatchSide; error: { code: string; message: string } }
  | { type: 'match.stored'; id: string }
  | { type: 'match.discarded'; id: string; reason: string }
  | { type: 'error'; error: { code: string; message: string } };

/** The eval read API's JSON (src/gateway/routes/admin-evals.ts). */

export interface EvalRunListItem {
  id: string;
  label: string;
  status: 'running' | 'done' | 'stopped';
  stop_reason: string | null;
  created_at: number;
  updated_at: number;
  contenders: string[];
  samples: number;
  progress: { done: number; total: number };
}

export interface Ci {
  value: number;
  lower: number;
  upper: number;
}

export interface TwinKindGap {
  kind: string;
  /** Paired items (an original with its twins of this kind). */
  pairs: number;
  original: number;
  twin: number;
  /** original − twin, percentage points, with its paired CI. */
  gap: Ci;
  /** Exact McNemar p-value on the discordant pairs. */
  p_value: number;
  flagged: boolean;
}

export interface ContenderEval {
  contender: string;
  /** A reference contender: its gap calibrates the others' (twins harder for everyone convict no one). */
  reference: boolean;
  /** 0–100 with CI. */
  score: Ci;
  items: number;
  /** Share of items right in all k samples (pass^k), 0–100; null with one sample. */
  pass_k: number | null;
  k: number;
  /** Overall gaming gap and its verdict, null when the run had no twins. */
  gap: (Ci & { p_value: number; flagged: boolean }) | null;
  /** The eval layer's verdict line, e.g. `gap suspected — originals 90.0, twins 55.0; …`. */
  verdict: { status: 'clean' | 'gap suspected' | 'no twins' | 'no data'; line: string };
  twins: TwinKindGap[];
  cost_cny: number;
  latency_p50_ms: number | null;
}

export interface WorstItem {
  item_id: string;
  contender: string;
  kind: string;
  note: string | null;
  question: string;
  twin_question: string;
  expected: string | null;
  original_answer: string | null;
  twin_answer: string | null;
  original_pass: number;
  twin_pass: number | null;
  /** Original accuracy minus the twin's, points. */
  disagreement: number;
}

export interface EvalRunReport {
  object: 'eval.run';
  run: EvalRunListItem & { twins: string[]; alpha: number; warnings: string[] };
  contenders: ContenderEval[];
  worst: WorstItem[];
}

/** Per contender, its latest finished run's headline numbers (the leaderboard's eval columns). */
export interface EvalHeadline {
  contender: string;
  run_id: string;
  score: Ci;
  pass_k: number | null;
  k: number;
  gap_flagged: boolean | null;
  gap: number | null;
}

/** Builds a battle record: the prompt reduced to its hash unless the race captures text, style counts, language. */
import { randomUUID } from 'node:crypto';
import type { BattleRecord, BattleSource, BattleWinner, StyleCounts } from '../store/index.js';
import { detectLanguage } from './language.js';
import { promptHash } from './prompt-text.js';
import { styleCounts } from './style.js';

export interface NewBattle {
  ts: number;
  race: string | null;
  /** The prompt text, or only its hash when the caller never had the text. */
  prompt: string | null;
  promptHash?: string;
  /** Store prompt and answers as text (the race captures); otherwise only the hash and style counts are kept. */
  capture: boolean;
  contenderA: string;
  contenderB: string;
  answerA: string | null;
  answerB: string | null;
  /** Precomputed style counts (e.g. from a match); computed from the answers when absent. */
  styleA?: StyleCounts | null;
  styleB?: StyleCounts | null;
  winner: BattleWinner | null;
  error?: string | null;
  source: BattleSource;
  voter: string | null;
  team: string | null;
  tags?: readonly string[];
  /** Detected from the prompt when absent. */
  language?: string | null;
  details?: unknown;
  id?: string;
}

export async function buildBattle(b: NewBattle): Promise<BattleRecord> {
  const hash = b.prompt !== null ? promptHash(b.prompt) : b.promptHash;
  if (!hash) throw new TypeError('a battle needs its prompt or the prompt hash');
  const style = async (given: StyleCounts | null | undefined, answer: string | null) => given ?? (answer !== null ? styleCounts(answer) : null);
  return {
    id: b.id ?? `battle_${randomUUID()}`,
    ts: b.ts,
    race: b.race,
    promptHash: hash,
    prompt: b.capture ? b.prompt : null,
    contenderA: b.contenderA,
    contenderB: b.contenderB,
    answerA: b.capture ? b.answerA : null,
    answerB: b.capture ? b.answerB : null,
    winner: b.winner,
    error: b.error ?? null,
    source: b.source,
    voter: b.voter,
    team: b.team,
    tags: [...new Set(b.tags ?? [])],
    language: b.language !== undefined ? b.language : b.prompt !== null ? detectLanguage(b.prompt) : null,
    styleA: await style(b.styleA, b.answerA),
    styleB: await style(b.styleB, b.answerB),
    details: b.details ?? null,
  };
}

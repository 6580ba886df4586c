/**
 * Leaderboard query parameters as strings (a URL query, CLI flags) → a checked `LeaderboardQuery`.
 * `source` is a comma list; `anchor` names a contender, `anchor_rating` its rating (default 1000); `since` is a
 * duration (`7d`, `12h`) or epoch milliseconds; `rounds` 0…10,000 (0 skips the bootstrap).
 */
import { SaimaError } from '../errors.js';
import { BATTLE_SOURCES, type BattleSource } from '../store/index.js';
import { normaliseLanguage } from './language.js';
import type { LeaderboardQuery } from './leaderboard-query.js';

const DURATION = /^(\d+)\s*(d|h|m|s)$/;
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;

export function parseLeaderboardParams(raw: Record<string, unknown>, now: number): LeaderboardQuery {
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SaimaError('invalid_type', `'${key}' must be a string.`, key);
    return v;
  };
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = str(key);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new SaimaError('invalid_value', `'${key}' must be a whole number from ${min} to ${max}.`, key);
    return n;
  };
  const q: LeaderboardQuery = {};
  const race = str('race');
  if (race !== undefined) q.race = race;
  const tag = str('tag');
  if (tag !== undefined) q.tag = tag;
  const language = str('language');
  if (language !== undefined) {
    const l = normaliseLanguage(language);
    if (l === null) throw new SaimaError('invalid_value', "'language' must be a tag like zh or en.", 'language');
    q.language = l;
  }
  const source = str('source');
  if (source !== undefined) {
    const sources = source.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = sources.find((s) => !(BATTLE_SOURCES as readonly string[]).includes(s));
    if (bad !== undefined || sources.length === 0) throw new SaimaError('invalid_value', `'source' must list ${BATTLE_SOURCES.join(', ')}.`, 'source');
    q.sources = sources as BattleSource[];
  }
  const since = str('since');
  if (since !== undefined) {
    const m = DURATION.exec(since.trim());
    if (/^\d+$/.test(since)) q.since = Number(since);
    else if (m) q.since = now - Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    else throw new SaimaError('invalid_value', "'since' must be a duration like 7d or epoch milliseconds.", 'since');
  }
  const anchor = str('anchor');
  if (anchor !== undefined) {
    const rating = str('anchor_rating') ?? '1000';
    if (!Number.isFinite(Number(rating))) throw new SaimaError('invalid_value', "'anchor_rating' must be a number.", 'anchor_rating');
    q.anchor = { contender: anchor, rating: Number(rating) };
  }
  const rounds = int('rounds', 0, 10_000);
  if (rounds !== undefined) q.rounds = rounds;
  const seed = int('seed', 0, 2 ** 31 - 1);
  if (seed !== undefined) q.seed = seed;
  const style = str('style');
  if (style !== undefined) {
    if (style !== 'true' && style !== 'false') throw new SaimaError('invalid_value', "'style' must be true or false.", 'style');
    q.style = style === 'true';
  }
  const styleRounds = int('style_rounds', 0, 1000);
  if (styleRounds !== undefined) q.styleRounds = styleRounds;
  return q;
}

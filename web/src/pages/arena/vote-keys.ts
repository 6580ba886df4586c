/** Keyboard voting on the arena page: 1 = A, 2 = B, 3 = tie, 4 = both bad (ignored while typing in a field). */
import type { BattleWinner } from '../../api/arena-types.js';

export const VOTE_KEYS: Readonly<Record<string, BattleWinner>> = { '1': 'a', '2': 'b', '3': 'tie', '4': 'tie_bothbad' };

export function voteForKey(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target'>): BattleWinner | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  const el = e.target as { tagName?: string; isContentEditable?: boolean } | null;
  const tag = el?.tagName?.toLowerCase();
  if (tag === 'input' || tag === 'textarea' || tag === 'select' || el?.isContentEditable) return null;
  return VOTE_KEYS[e.key] ?? null;
}

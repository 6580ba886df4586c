/** One streamed arena round as the page shows it: both answers so far, how each side ended, and whether it is stored. */
import type { MatchStreamEvent } from '../../api/arena-types.js';

export type SideState = 'streaming' | 'done' | 'failed';

export interface Round {
  id: string | null;
  answers: [string, string];
  sides: [SideState, SideState];
  /** The server stored the match: the vote may be cast. */
  stored: boolean;
  /** The server discarded it (a side answered nothing): no vote, ask again. */
  discarded: boolean;
}

export const NEW_ROUND: Round = { id: null, answers: ['', ''], sides: ['streaming', 'streaming'], stored: false, discarded: false };

export function applyMatchEvent(round: Round, e: MatchStreamEvent): Round {
  switch (e.type) {
    case 'match.created':
      return { ...round, id: e.id };
    case 'answer.delta':
      return { ...round, answers: e.side === 'a' ? [round.answers[0] + e.delta, round.answers[1]] : [round.answers[0], round.answers[1] + e.delta] };
    case 'answer.done':
    case 'answer.error': {
      const state: SideState = e.type === 'answer.done' ? 'done' : 'failed';
      return { ...round, sides: e.side === 'a' ? [state, round.sides[1]] : [round.sides[0], state] };
    }
    case 'match.stored':
      return { ...round, id: e.id, stored: true };
    case 'match.discarded':
      return { ...round, discarded: true };
    case 'error':
      return round;
  }
}

/** Voting opens once both sides have ended (answered or failed) and the match is stored. */
export function canVote(round: Round): boolean {
  return round.stored && round.sides.every((s) => s !== 'streaming');
}

/**
 * The shape in which a caller pays for a call it makes on someone's behalf (an arena answer, a judge's verdict):
 * admission first, settlement once the real usage is known. The gateway implements it over its admission; the arena
 * and the eval runner only call it.
 */
import type { Contender } from '../config/types.js';
import type { Usage } from '../providers/spec.js';

/** Settles a call's real spend against what its admission reserved, once the call's row is logged. */
export interface Settle {
  (usage: Usage, costNanos: number): void;
  /** The id the call's row must carry, when its admission journaled the call under that id (a crash logs it lost). */
  readonly rowId?: string;
}

/** Admission for a call (rate limits, budgets): throws to refuse it, else returns how to settle the real spend. */
export type SpendGuard = (contender: Contender, body: Record<string, unknown>) => Promise<Settle>;

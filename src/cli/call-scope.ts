/**
 * Whose budgets a CLI command's calls pay from (`saima eval run`, `saima gate`, `saima arena judge`).
 *
 * - `--key ID`: the calls are that key's, as if it had made them through the gateway: they pay from the budgets
 *   scoped to the key and to its team (the key must exist and be active; `--team`, if given too, must be its team).
 * - `--team TEAM`: the team's budgets; key-scoped budgets do not cover the calls (they have no key).
 * - Neither: refused while any budget is scoped to a team, so a run cannot escape a team's budget by leaving the
 *   flag out; `--no-team` runs outside every team's budget on purpose (the calls still pay from the budgets scoped
 *   to their contender or race, or to nothing).
 */
import type { Config } from '../config/types.js';
import type { Store } from '../store/index.js';

export interface CallScope {
  team: string | null;
  keyId: string | null;
}

export interface CallScopeFlags {
  team?: string;
  key?: string;
  /** commander's `--no-team`: false when given. */
  noTeam?: boolean;
}

export class CallScopeError extends Error {}

/** Reads `--team`, `--key` and `--no-team` (commander gives `team: false` for `--no-team`). */
export function scopeFlags(o: { team?: string | boolean; key?: string }): CallScopeFlags {
  return { ...(typeof o.team === 'string' ? { team: o.team } : {}), ...(o.key !== undefined ? { key: o.key } : {}), ...(o.team === false ? { noTeam: true } : {}) };
}

export async function resolveCallScope(store: Store, config: Config, f: CallScopeFlags, now = Date.now()): Promise<CallScope> {
  if (f.noTeam && (f.team !== undefined || f.key !== undefined)) throw new CallScopeError('--no-team cannot be combined with --team or --key');
  if (f.key !== undefined) {
    const k = await store.apiKeys.get(f.key);
    if (!k || k.revokedAt !== null || (k.expiresAt !== null && k.expiresAt <= now)) throw new CallScopeError(`no active key '${f.key}' (see saima keys ls)`);
    if (f.team !== undefined && f.team !== k.team) throw new CallScopeError(`key '${f.key}' belongs to team '${k.team ?? 'none'}', not '${f.team}'`);
    return { team: k.team, keyId: k.id };
  }
  if (f.team !== undefined) return { team: f.team, keyId: null };
  const teamBudgets = config.budgets.filter((b) => b.scope.team !== undefined).map((b) => b.name);
  if (teamBudgets.length > 0 && !f.noTeam) {
    throw new CallScopeError(`team budgets exist (${teamBudgets.join(', ')}): pass --team TEAM or --key ID, or --no-team to run outside every team's budget`);
  }
  return { team: null, keyId: null };
}

/** One line on stderr when key budgets exist that the calls, made without a key, are not covered by. */
export function keyBudgetsNote(config: Config, scope: CallScope): string | null {
  if (scope.keyId !== null) return null;
  const names = config.budgets.filter((b) => b.scope.key !== undefined).map((b) => b.name);
  return names.length > 0 ? `saima: note: key budgets (${names.join(', ')}) do not cover these calls, made with no key; --key ID charges a key's budgets\n` : null;
}

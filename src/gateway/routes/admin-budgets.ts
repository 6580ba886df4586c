/**
 * GET /admin/budgets: each budget's limit, soft threshold and what the current period has spent and holds in
 * reservations, for the dashboard's spend page. A key without the admin scope sees only its own team's budgets.
 *
 * A budget refuses a call when what remains is less than that call's reservation, often well before 100 %, so each
 * budget also says whether it is turning calls away: `refusing` (it refused a call on this gateway within the last
 * minute, `last_refused_at` the latest, `refused` how many since start) and `exhausted` (spent + reserved leave
 * nothing of the limit).
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

export function registerAdminBudgetRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/admin/budgets', async (req) => {
    const admin = req.principal.scopes.has('admin');
    // `await` keeps this route correct whether the ledger answers synchronously or (clustered) from Redis.
    const status = await ctx.admission.ledger.status();
    const refusals = ctx.admission.refusals;
    const data = status
      .filter((s) => admin || (s.budget.scope.team !== undefined && s.budget.scope.team === req.principal.team))
      .map((s) => {
        const mark = refusals.get(s.budget.name);
        return {
          object: 'budget',
          name: s.budget.name,
          scope: s.budget.scope,
          period: s.budget.period,
          period_key: s.period,
          currency: s.budget.currency,
          limit: s.budget.limitNanos / 1e9,
          soft_limit: (s.budget.limitNanos * s.budget.softRatio) / 1e9,
          soft_ratio: s.budget.softRatio,
          spent: s.spentNanos / 1e9,
          reserved: s.reservedNanos / 1e9,
          downgrade_to: s.budget.downgradeTo,
          exhausted: s.spentNanos + s.reservedNanos >= s.budget.limitNanos,
          refusing: refusals.refusing(s.budget.name),
          last_refused_at: mark?.at ?? null,
          refused: mark?.count ?? 0,
        };
      });
    return { object: 'list', data };
  });
}

/**
 * GET /admin/budgets: each budget's limit, soft threshold and what the current period has spent and holds in
 * reservations, for the dashboard's spend page. A key without the admin scope sees only its own team's budgets.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

export function registerAdminBudgetRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/admin/budgets', async (req) => {
    const admin = req.principal.scopes.has('admin');
    // `await` keeps this route correct whether the ledger answers synchronously or (clustered) from Redis.
    const status = await ctx.admission.ledger.status();
    const data = status
      .filter((s) => admin || (s.budget.scope.team !== undefined && s.budget.scope.team === req.principal.team))
      .map((s) => ({
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
      }));
    return { object: 'list', data };
  });
}

/**
 * Everything the dashboard adds to the gateway: the static app at /ui and the small JSON reads it needs beyond the
 * admin APIs (who am I, budgets, eval reports). One registration, so app.ts names the dashboard once.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';
import { registerAdminBudgetRoutes } from './admin-budgets.js';
import { registerAdminEvalRoutes } from './admin-evals.js';
import { registerAdminSessionRoute } from './admin-session.js';
import { registerUiRoutes } from './ui.js';

export function registerDashboardRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  registerUiRoutes(app);
  registerAdminSessionRoute(app, ctx);
  registerAdminBudgetRoutes(app, ctx);
  registerAdminEvalRoutes(app, ctx);
}

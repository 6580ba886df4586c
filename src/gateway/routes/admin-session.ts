/**
 * GET /admin/session: who the caller's key is (team, scopes, allowed races), so the dashboard's login page can
 * check a key and show admin-only controls only to admins. Any valid key may ask about itself.
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

export function registerAdminSessionRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/admin/session', async (req) => {
    const p = req.principal;
    return {
      object: 'session',
      key_id: p.keyId,
      team: p.team,
      scopes: [...p.scopes].sort(),
      admin: p.scopes.has('admin'),
      races: p.races ? [...p.races].sort() : null,
      auth: ctx.config.auth.mode,
      time_zone: ctx.config.timeZone,
    };
  });
}

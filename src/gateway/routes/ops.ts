/** GET /health (liveness and store reachability) and GET /metrics (Prometheus text format). */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

export function registerOpsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/health', async () => ({ status: 'ok', races: ctx.races.names().length, contenders: ctx.config.contenders.size }));
  app.get('/metrics', async (_req, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });
}

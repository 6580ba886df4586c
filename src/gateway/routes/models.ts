/** GET /v1/models: races and contenders a key may call, in OpenAI's list shape plus Saima's own fields. */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.js';

export function registerModelsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  app.get('/v1/models', async (req) => {
    const allowed = req.principal.races;
    const created = Math.floor(ctx.now() / 1000);
    const data: Array<Record<string, unknown>> = [];
    for (const name of ctx.races.names()) {
      if (allowed && !allowed.has(name)) continue;
      const view = ctx.races.get(name)!;
      data.push({
        id: name,
        object: 'model',
        created,
        owned_by: 'saima',
        saima: { kind: 'race', champion: view.race.champion, contenders: view.entries.map((e) => ({ name: e.name, weight: e.weight })) },
      });
    }
    for (const c of ctx.config.contenders.values()) {
      if (allowed && !allowed.has(c.name)) continue;
      data.push({ id: c.name, object: 'model', created, owned_by: c.protocol, saima: { kind: 'contender', provider: c.protocol, model: c.model } });
    }
    return { object: 'list', data };
  });
}

/**
 * GET /v1/models: races and contenders a key may call, in OpenAI's list shape plus Saima's own fields, or — for a
 * client of the Anthropic API, which sends `anthropic-version` on every call — in the Anthropic Models API's shape
 * (`type`, `id`, `display_name`, `created_at`; one page: `has_more` false).
 */
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
    if (req.headers['anthropic-version'] !== undefined) {
      const createdAt = new Date(created * 1000).toISOString();
      const models = data.map((m) => ({ type: 'model', id: m.id, display_name: m.id, created_at: createdAt, saima: m.saima }));
      return { data: models, has_more: false, first_id: models[0]?.id ?? null, last_id: models.at(-1)?.id ?? null };
    }
    return { object: 'list', data };
  });
}

/** /admin/keys: create (the secret is in this one response only), list and revoke API keys. Admin scope only. */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayContext } from '../context.js';
import { SaimaError } from '../../errors.js';
import { createKey, parseDuration, publicKey } from '../key-service.js';

export function requireAdmin(req: FastifyRequest): void {
  if (!req.principal.scopes.has('admin')) throw new SaimaError('permission_denied', 'This endpoint needs a key with the admin scope.');
}

function list(v: unknown, param: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new SaimaError('invalid_type', `'${param}' must be a list of strings.`, param);
}

function optionalInt(v: unknown, param: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new SaimaError('invalid_value', `'${param}' must be a positive integer.`, param);
  return v;
}

export function registerAdminKeyRoutes(app: FastifyInstance, ctx: GatewayContext, onRevoke: () => void): void {
  app.post('/admin/keys', async (req, reply) => {
    requireAdmin(req);
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (typeof b !== 'object' || Array.isArray(b)) throw new SaimaError('invalid_type', 'The request body must be a JSON object.', 'body');
    if (typeof b.team !== 'string') throw new SaimaError('missing_required_parameter', "Missing required parameter: 'team'.", 'team');
    if (b.expires !== undefined && typeof b.expires !== 'string') throw new SaimaError('invalid_type', "'expires' must be a duration like \"30d\".", 'expires');
    const { secret, record } = await createKey(
      ctx.store.apiKeys,
      {
        team: b.team,
        scopes: list(b.scopes, 'scopes') ?? ['chat', 'feedback'],
        races: list(b.races, 'races') ?? null,
        expiresInMs: typeof b.expires === 'string' ? parseDuration(b.expires) : null,
        rpm: optionalInt(b.rpm, 'rpm'),
        tpm: optionalInt(b.tpm, 'tpm'),
      },
      ctx.now(),
    );
    return reply.code(201).send({ ...publicKey(record, ctx.now()), key: secret });
  });

  app.get('/admin/keys', async (req) => {
    requireAdmin(req);
    const now = ctx.now();
    return { object: 'list', data: (await ctx.store.apiKeys.list()).map((k) => publicKey(k, now)) };
  });

  app.delete('/admin/keys/:id', async (req) => {
    requireAdmin(req);
    const { id } = req.params as { id: string };
    const existing = await ctx.store.apiKeys.get(id);
    if (!existing) throw new SaimaError('not_found', `No key with id '${id}'.`, 'id');
    await ctx.store.apiKeys.revoke(id, ctx.now());
    onRevoke();
    return publicKey((await ctx.store.apiKeys.get(id))!, ctx.now());
  });
}

/**
 * buildApp(deps) → a Fastify instance with every route, the auth hook and the error handlers. No module state:
 * tests build as many gateways as they like, each with its own store, providers and metrics.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { RaceBook } from '../race/race-book.js';
import type { Store } from '../store/index.js';
import { KeyAuthenticator } from './auth.js';
import { createAttemptDeps, type GatewayContext } from './context.js';
import { installErrorHandlers } from './error-handler.js';
import { SaimaError } from './errors.js';
import { GatewayMetrics } from './metrics.js';
import { ANONYMOUS } from './principal.js';
import { registerChatRoute } from './routes/chat.js';
import { registerFeedbackRoute } from './routes/feedback.js';
import { registerModelsRoute } from './routes/models.js';
import { registerOpsRoutes } from './routes/ops.js';

export interface AppDeps {
  config: Config;
  store: Store;
  providers: ProviderRegistry;
  metrics?: GatewayMetrics;
  now?: () => number;
  random?: () => number;
  /** pino options, or false for silence (tests). */
  logger?: boolean | Record<string, unknown>;
}

/** Paths that answer without a key: probes and scrapers. */
const PUBLIC_PATHS = new Set(['/health', '/metrics']);

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export const REDACT_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'apiKey', 'api_key', 'key'];

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; ctx: GatewayContext }> {
  const { config, store, providers } = deps;
  if (config.auth.mode === 'none' && !isLoopback(config.server.host)) {
    throw new SaimaError('invalid_request', `auth.mode none is only allowed when the gateway listens on loopback, not on ${config.server.host}`);
  }
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const app = Fastify({
    bodyLimit: config.server.bodyLimitBytes,
    logger: deps.logger === undefined ? { level: config.log.level, redact: REDACT_PATHS } : deps.logger,
    disableRequestLogging: true,
    requestIdHeader: false,
    genReqId: () => `req_${randomUUID()}`,
    return503OnClosing: true,
  });
  const ctx: GatewayContext = {
    config,
    store,
    providers,
    races: new RaceBook(config),
    metrics: deps.metrics ?? new GatewayMetrics(),
    attemptDeps: createAttemptDeps(config, providers, now, random),
    now,
    random,
    background: new Set(),
  };
  const auth = config.auth.mode === 'keys' ? new KeyAuthenticator(store.apiKeys, now, 1_000, config.keyDefaults.limits) : null;
  app.decorateRequest('principal', ANONYMOUS);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-saima-request-id', req.id);
    if (auth && !PUBLIC_PATHS.has(req.url)) req.principal = await auth.authenticate(req.headers.authorization);
  });
  installErrorHandlers(app);
  registerChatRoute(app, ctx);
  registerModelsRoute(app, ctx);
  registerFeedbackRoute(app, ctx);
  registerOpsRoutes(app, ctx);
  app.addHook('onClose', async () => {
    await Promise.allSettled([...ctx.background]);
  });
  return { app, ctx };
}

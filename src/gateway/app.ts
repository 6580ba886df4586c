/**
 * buildApp(deps) → a Fastify instance with every route, the auth hook and the error handlers. No module state:
 * tests build as many gateways as they like, each with its own store, providers and metrics.
 */
import { isUtf8 } from 'node:buffer';
import Fastify, { LogController, type FastifyInstance, type FastifyReply } from 'fastify';
import { lazyChildLogger } from './lazy-request-logger.js';
import type { GatewayCluster } from '../cluster/gateway-cluster.js';
import { readiness } from '../cluster/readiness.js';
import type { Config } from '../config/types.js';
import type { ProviderRegistry } from '../providers/registry.js';
import { RaceBook } from '../race/race-book.js';
import { RaceMonitor } from '../race/monitor.js';
import { canReadOffThread, EvidenceWorker } from '../race/monitor-evidence-worker.js';
import { RaceStates } from '../race/race-states.js';
import type { Store } from '../store/index.js';
import { timeOrderedId } from '../store/time-ordered-id.js';
import { BudgetLedger, type BudgetBackend, type BudgetDef } from '../metering/budgets.js';
import { periodStart } from '../metering/periods.js';
import { budgetSpendRows, spentFromRows } from '../metering/budget-spend.js';
import { budgetDefs } from '../metering/call-budget.js';
import { BudgetArbiter } from './budget-arbiter.js';
import { RateLimiter } from '../metering/rate-limiter.js';
import { randomUUID } from 'node:crypto';
import { BudgetRefusals } from '../metering/budget-refusals.js';
import { AdmissionJournal, recoverLostAdmissions } from './admission-journal.js';
import { LostCalls } from './lost-calls.js';
import { Admission } from './admission.js';
import type { PromptCalibration } from '../metering/prompt-calibration.js';
import { credentialHeader, KeyAuthenticator } from './auth.js';
import { BodyThreads, LARGE_BODY_BYTES, SMALL_ROUTE_BODY_BYTES } from './large-body/body-threads.js';
import { budgetAlerter } from './budget-alerts.js';
import { createAttemptDeps, type GatewayContext } from './context.js';
import type { GatewayExtension } from './extension.js';
import { installErrorHandlers } from './error-handler.js';
import { SaimaError, errorBody, sanitize } from '../errors.js';
import { InFlight } from './in-flight.js';
import { GatewayMetrics } from './metrics.js';
import { ANONYMOUS, NOBODY, type Principal } from './principal.js';
import { assertRouteHasRule, enforceScope, ruleFor } from './route-access.js';
import { registerAdminKeyRoutes } from './routes/admin-keys.js';
import { registerAdminRaceRoutes } from './routes/admin-races.js';
import { registerAdminReadRoutes } from './routes/admin-reads.js';
import { registerChatRoute } from './routes/chat.js';
import { MESSAGES_OFF_THREAD, registerMessagesRoutes } from './routes/messages.js';
import { RESPONSES_OFF_THREAD, registerResponsesRoutes } from './routes/responses.js';
import { EMBEDDINGS_OFF_THREAD, registerEmbeddingsRoute } from './routes/embeddings.js';
import { registerDashboardRoutes } from './routes/dashboard.js';
import { registerFeedbackRoute } from './routes/feedback.js';
import { registerModelsRoute } from './routes/models.js';
import { registerOpsRoutes } from './routes/ops.js';
import { loadEncoding } from '../providers/chat-tokens.js';
import { telemetrySettings } from '../telemetry/settings.js';

export interface AppDeps {
  config: Config;
  store: Store;
  providers: ProviderRegistry;
  metrics?: GatewayMetrics;
  now?: () => number;
  random?: () => number;
  /** pino options, or false for silence (tests). */
  logger?: boolean | Record<string, unknown>;
  /** Modules above the gateway that add routes and hooks (src/server wires the arena). */
  extensions?: readonly GatewayExtension[];
  /** Where the standard OTEL_* variables are read (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export const REDACT_PATHS = ['req.headers.authorization', 'req.headers["x-api-key"]', 'headers.authorization', 'apiKey', 'api_key', 'key'];

export async function buildApp(deps: AppDeps): Promise<{ app: FastifyInstance; ctx: GatewayContext }> {
  const { config, store, providers } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const app = Fastify({
    bodyLimit: config.server.bodyLimitBytes,
    // Paths name the fields known to hold keys; the stream strips every secret value from whatever else a line quotes.
    logger: deps.logger === undefined ? { level: config.log.level, redact: REDACT_PATHS, stream: { write: (line: string) => void process.stdout.write(sanitize(line)) } } : deps.logger,
    // Per-request access lines cost CPU on the hot path; the request log already has one row per request.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    requestIdHeader: false,
    // Time-ordered: the request log's primary key then grows at its right edge (see time-ordered-id.ts).
    genReqId: () => timeOrderedId('req_'),
    return503OnClosing: true,
    // Router-level failures (a malformed URL such as /%ff) bypass the error handler: answer them in our shape too.
    frameworkErrors: (err, req, reply) => {
      void (reply as FastifyReply).code(400).header('x-saima-request-id', req.id).send(errorBody('invalid_request', `Bad request: ${err.message.slice(0, 200)}`));
    },
  });
  const background = new Set<Promise<unknown>>();
  const budgets: BudgetDef[] = budgetDefs(config);
  const budgetOpts = { timeZone: config.timeZone, fx: config.fx, now, onEvent: budgetAlerter(() => app.log, background) };
  // Replicas of one deployment share limits, budgets, race announcements and the monitor lease through Redis.
  // Loaded only when clustered: ioredis and its scripts are memory a single node never needs.
  const cluster: GatewayCluster | null = config.redis
    ? await (await import('../cluster/gateway-cluster.js')).GatewayCluster.open(config.redis, (err) => app.log.warn({ err: (err as Error).message }, 'cluster: redis call failed'))
    : null;
  const ledger = cluster ? cluster.budgets(budgets, budgetOpts, config, store) : new BudgetLedger(budgets, budgetOpts);
  const admission = new Admission(config, cluster?.limits ?? new RateLimiter(now), ledger, (err) => app.log.warn({ err: (err as Error).message }, 'settle failed'), new BudgetRefusals(now));
  // A key given limits of its own needs the tokenizer's tables: load them at start when such a key is stored (a key
  // given limits later loads them with its first request), not on a limited request while traffic waits behind it.
  if (config.auth.mode === 'keys') {
    void store.apiKeys.list({ activeOnly: true }).then(async (keys) => {
      if (keys.some((k) => k.rpm !== null || k.tpm !== null)) await loadEncoding();
    }).catch(() => {});
  }
  const races = new RaceBook(config);
  const raceStates = cluster ? cluster.raceStates(store, config, races, now) : new RaceStates(store, config, races, now);
  // This gateway's id in the store's heartbeats and on its journal entries.
  const gatewayId = `gateway:${randomUUID()}`;
  // On one node, other processes (eval runs, gates, arena judging) claim from this gateway's budgets (budget-arbiter.ts).
  const arbiter = ledger instanceof BudgetLedger && budgets.length > 0
    ? new BudgetArbiter(store, config, ledger, { id: gatewayId, now, onError: (err) => app.log.warn({ err: (err as Error).message }, 'budget claims: read failed') })
    : null;
  // On a shared store, a live replica logs a dead one's calls as lost within seconds (lost-calls.ts).
  const lostCalls = store.dialect === 'postgres'
    ? new LostCalls(store, ledger, config, {
        id: gatewayId,
        onError: (err) => app.log.warn({ err: (err as Error).message }, 'lost-call sweep failed'),
        onLost: (lost) => app.log.warn({ lost }, "a stopped replica's admitted calls without a logged outcome were charged at their reservation"),
      })
    : null;
  admission.fence = arbiter;
  try {
    // Calls a stopped gateway admitted and never logged are logged as lost first, so the budgets count them.
    const lost = await recoverLostAdmissions(store, now());
    if (lost > 0) app.log.warn({ lost }, 'admitted calls without a logged outcome were charged at their reservation');
    await lostCalls?.start();
    await arbiter?.inventory();
    await seedLedger(store, ledger, budgets, config, now());
    arbiter?.start();
    await calibrateFromLog(store, admission.calibration, now());
    await raceStates.init();
    await cluster?.followRaces(() => raceStates.refresh());
  } catch (err) {
    await cluster?.close();
    throw err;
  }
  // Clustered, only the holder of this lease may run the race monitor (`monitorLease.isLeader()` before each tick).
  const monitorLease = cluster && config.monitor.enabled ? cluster.monitorLease(config.monitor.intervalMs) : null;
  const judgeShadow = deps.extensions?.find((e) => e.judgeShadow)?.judgeShadow;
  // The OpenTelemetry SDK is loaded only when telemetry is on: off, it costs neither memory nor start time.
  const otel = telemetrySettings(config.telemetry, deps.env ?? process.env);
  const telemetry = otel ? (await import('../telemetry/telemetry.js')).startTelemetry(otel) : null;
  const ctx: GatewayContext = {
    config,
    store,
    providers,
    races,
    raceStates,
    metrics: deps.metrics ?? new GatewayMetrics(),
    attemptDeps: createAttemptDeps(config, providers, now, random, telemetry ? (a) => telemetry.traceAdapter(a) : undefined),
    telemetry,
    now,
    random,
    background,
    inFlight: new InFlight(),
    admission,
    journal: new AdmissionJournal(store, config, (err) => app.log.warn({ err: (err as Error).message }, 'admission journal cleanup failed'), gatewayId),
    ...(judgeShadow ? { judgeShadow } : {}),
  };
  // The race monitor reads the evidence and applies each race's policy; clustered, only the lease holder acts.
  // Its evidence is read on a thread of its own (monitor-evidence-worker.ts), unless the database is in memory; that
  // thread also runs the store's WAL checkpoints, so that the gateway keeps one worker isolate rather than two.
  const evidence = canReadOffThread(store.url)
    ? new EvidenceWorker({ url: store.url, config, gates: store.evals, fallback: store, checkpoints: store.checkpointer, log: (msg, fields) => app.log.warn(fields, msg) })
    : undefined;
  const monitor = new RaceMonitor({
    config, store, raceStates, now, gates: store.evals, ...(evidence ? { evidence } : {}),
    ...(monitorLease ? { isLeader: () => monitorLease.isLeader() } : {}),
    onError: (race, err) => app.log.warn({ race, err: (err as Error).message }, 'race monitor tick failed'),
  });
  ctx.monitorStatus = (race) => monitor.status(race);
  if (config.monitor.enabled) monitor.start();
  // A replica that takes the lease over (its holder died) ticks at once instead of up to an interval later.
  // It starts from the stored state: its policy memory is stale from while another replica held the lease.
  monitorLease?.onAcquired(() => {
    monitor.forget();
    void monitor.tick();
  });
  ctx.metrics.trackBudgets(() => (ledger instanceof BudgetLedger ? ledger.status() : ledger.lastSeen()));
  cluster?.trackMetrics(ctx.metrics.registry);
  ctx.metrics.trackSpool(() => ({ bytes: store.requestLog.spoolBytes, quarantined: store.requestLog.spoolQuarantined }));
  const auth = config.auth.mode === 'keys' ? new KeyAuthenticator(store.apiKeys, now, 1_000, config.keyDefaults.limits) : null;
  // Fastify forbids object defaults on request decorators (they would be shared); every request sets its own.
  app.decorateRequest('principal', null as unknown as Principal);
  /** Route URL → the module that checks its large bodies on the body threads (GatewayExtension.offThreadBodies). */
  const offThreadChecks: Record<string, string> = Object.assign({ ...MESSAGES_OFF_THREAD, ...RESPONSES_OFF_THREAD, ...EMBEDDINGS_OFF_THREAD }, ...(deps.extensions ?? []).map((e) => e.offThreadBodies ?? {}));
  // Every route must have a rule in ROUTE_ACCESS; the rule of the matched route (never the raw URL, which may carry
  // a query string) decides whether a key is needed and which scope.
  app.addHook('onRoute', (route) => {
    assertRouteHasRule(route.method, route.url);
    // Only chat bodies and those an extension checks off-thread are parsed off the event loop (large-body/); every
    // other route takes bodies that parse in a few milliseconds on it, whatever their shape.
    if (route.url !== CHAT_ROUTE && !Object.hasOwn(offThreadChecks, route.url) && route.bodyLimit === undefined) route.bodyLimit = Math.min(config.server.bodyLimitBytes, SMALL_ROUTE_BODY_BYTES);
  });
  // A callback hook, not an async one: a key resolved within the last second (nearly every request) is answered from
  // the cache without the promises an async hook and an awaited lookup cost on every request.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-saima-request-id', req.id);
    const rule = ruleFor(req.method, req.routeOptions.url);
    if (!auth) {
      req.principal = ANONYMOUS;
      return done();
    }
    if (rule?.access === 'public') {
      req.principal = NOBODY;
      return done();
    }
    const credential = credentialHeader(req.headers.authorization, req.headers['x-api-key']);
    const cached = auth.cached(credential);
    if (cached !== null) {
      req.principal = cached;
      if (rule) enforceScope(rule, cached);
      return done();
    }
    auth.authenticate(credential).then((principal) => {
      req.principal = principal;
      try {
        if (rule) enforceScope(rule, principal);
      } catch (err) {
        return done(err as Error);
      }
      done();
    }, done);
  });
  installErrorHandlers(app, (code) => ctx.metrics.rejected(code));
  const bodyThreads = new BodyThreads({ promptText: [...config.races.values()].some((r) => r.capture) });
  acceptOnlyUtf8Json(app, bodyThreads, offThreadChecks);
  registerChatRoute(app, ctx);
  registerMessagesRoutes(app, ctx);
  registerResponsesRoutes(app, ctx);
  registerEmbeddingsRoute(app, ctx);
  registerModelsRoute(app, ctx);
  registerFeedbackRoute(app, ctx);
  registerOpsRoutes(app, ctx);
  registerAdminKeyRoutes(app, ctx, () => auth?.invalidate());
  registerAdminReadRoutes(app, ctx);
  registerAdminRaceRoutes(app, ctx);
  for (const ext of deps.extensions ?? []) ext.register?.(app, ctx);
  registerDashboardRoutes(app, ctx);
  app.get('/ready', async (_req, reply) => {
    const r = await readiness(store, cluster);
    return reply.code(r.ready ? 200 : 503).send(r);
  });
  // Race changes made by other processes (the CLI, other replicas) reach this gateway within a second.
  const refresher = setInterval(() => void raceStates.refresh().catch((err: Error) => app.log.warn({ err: err.message }, 'race state refresh failed')), 1000);
  refresher.unref();
  app.addHook('onClose', async () => {
    clearInterval(refresher);
    await arbiter?.stop();
    await lostCalls?.stop();
    await monitor.stop();
    await bodyThreads.close();
    await Promise.allSettled([...ctx.background]);
    await ctx.admission.drain();
    await ctx.journal.close();
    await cluster?.close();
    // Last: the spans of the calls drained above are ended by now and leave in this final export.
    await telemetry?.shutdown();
  });
  return { app, ctx };
}

const CHAT_ROUTE = '/v1/chat/completions';

/**
 * JSON bodies must be valid UTF-8, as OpenAI requires: decoding an invalid byte silently as U+FFFD would forward and
 * charge a prompt the client never sent. Otherwise Fastify's own parser, with its prototype-poisoning guards; a
 * large chat body goes to the body threads, which apply the same rules off the event loop.
 */
function acceptOnlyUtf8Json(app: FastifyInstance, threads: BodyThreads, checkers: Record<string, string>): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length >= LARGE_BODY_BYTES) {
      // Only chat and the routes an extension checks off-thread (arena battle uploads) take large bodies, off the
      // event loop; any other path, an unknown one included (its 404 is answered after the body is parsed), refuses
      // them rather than parse them here.
      const checker = req.routeOptions.url !== undefined && Object.hasOwn(checkers, req.routeOptions.url) ? checkers[req.routeOptions.url] : undefined;
      if (checker !== undefined) {
        threads.parseChecked(bytes, checker).then(
          (token) => done(null, token),
          (err: unknown) => done(err as Error, undefined),
        );
        return;
      }
      if (req.routeOptions.url !== CHAT_ROUTE) {
        done(new SaimaError('request_too_large', 'Request body is too large.'), undefined);
        return;
      }
      threads.parse(bytes).then(
        (large) => done(null, large.body),
        (err: unknown) => done(err as Error, undefined),
      );
      return;
    }
    if (!isUtf8(bytes)) {
      done(new SaimaError('invalid_json', 'We could not parse the JSON body of your request. (The body is not valid UTF-8.)'), undefined);
      return;
    }
    parse(req, bytes.toString('utf8'), done);
  });
}

/** Prompt calibration resumes from the last week's calls (the newest few dozen per contender count). */
async function calibrateFromLog(store: Store, calibration: PromptCalibration, now: number): Promise<void> {
  const rows = await store.requests.calibrationRows(now - 7 * 86_400_000);
  for (let i = rows.length - 1; i >= 0; i--) calibration.observe(rows[i]!.contender, rows[i]!.estimated, rows[i]!.billed);
}

/** Budgets resume where the request log says they stand in the current period. */
async function seedLedger(store: Store, ledger: BudgetBackend, budgets: BudgetDef[], config: Config, now: number): Promise<void> {
  if (budgets.length === 0) return;
  const earliest = Math.min(...budgets.map((b) => periodStart(now, b.period, config.timeZone)));
  const rows = await budgetSpendRows(store, earliest);
  for (const b of budgets) await ledger.seed(b.name, spentFromRows(rows, b, periodStart(now, b.period, config.timeZone), config.fx));
}

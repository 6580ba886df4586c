/**
 * The protocol-neutral core of every front door (`/v1/chat/completions`, `/v1/messages`, `/v1/responses`, `/v1/embeddings`): resolve race or contender
 * → assign → admission (limits, budget reservation at the output cap) → journal → attempt (retries, fallbacks,
 * breaker) → send or stream → meter → log (committed before the client sees the end). A front door brings the
 * request as an OpenAI chat-shaped body (what admission, shadow and the adapters read) and a `FrontDoor` that makes
 * each upstream call and turns the reply into its client's bytes; evidence is the same whatever the door.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Contender } from '../config/types.js';
import { ZERO_USAGE } from '../metering/usage.js';
import { CallAbort } from '../providers/call-signal.js';
import type { UpstreamCall, CallOutcome, UpstreamReply } from '../providers/spec.js';
import { attemptPlan, AllContendersFailed, type AttemptSuccess } from '../race/attempt.js';
import { startShadow, type ShadowBody } from './shadow.js';
import type { GatewayContext } from './context.js';
import { SaimaError, sanitize } from '../errors.js';
import { promptEstimateOf, setRateLimitHeaders, type AdmissionResult } from './admission.js';
import { InFlight, shutdownOutcome, SHUTTING_DOWN, SHUTDOWN_MESSAGE } from './in-flight.js';
import { appliedCap, NO_OUTPUT, requestedCap, withOutputCap } from '../metering/output-cap.js';
import { applyFailure, applyOutcome, failedAttempts, toObservation, toRow, type CallFacts } from './request-record.js';
import { budgetedRacesOf } from './race-budget-guard.js';
import { pumpStream, type LastWordFinder } from './stream-writer.js';
import type { UserHashes } from './user-hash.js';
import type { ChatBody } from './validate-chat.js';
import type { RequestProtocol } from '../store/types.js';
import { noteRefusal } from './refusal-note.js';

export interface Target {
  race: string | null;
  names: string[];
  capture: boolean;
  view: ReturnType<GatewayContext['races']['get']> | null;
}

/** What a stream's client receives: the front door's bytes, and how to find and make its last word. */
export interface ClientStream {
  first: Uint8Array | null;
  rest: AsyncIterator<Uint8Array>;
  /** Where the held-back last word begins in a chunk (default: OpenAI's `[DONE]` or error event). */
  lastWord?: LastWordFinder;
  /**
   * The last word when the front door makes it itself from the final facts (usage settled, row committed);
   * null when the stream did not end cleanly.
   */
  ending?(facts: CallFacts): Buffer | null;
  /** Whether the answer reached its end (a door that makes its own ending): a shutdown then cut nothing. */
  complete?(): boolean;
  /** Why the door itself ended the stream with an error (an answer its protocol cannot carry), or null. */
  failure?(): string | null;
}

export interface FrontDoor {
  /** Recorded on the request's row. */
  readonly protocol: RequestProtocol;
  /** The adapter keeps the usage chunk of a stream (the client asked for it, or the door needs it). */
  readonly clientWantsUsage: boolean;
  /** The door translates a stream event by event: the adapter hands over the events it split (`UpstreamCall.keepEvents`). */
  readonly readsEvents?: boolean;
  /** The call one contender gets (`base` is the chat-shaped one); may throw the client's 400 for that contender. */
  call(contender: Contender, base: UpstreamCall): UpstreamCall;
  /**
   * A whole answer's bytes → the client's body, in two steps: reading it (before the row is written, so a reply that
   * cannot be carried is logged as the failure it is) and rendering it from the committed facts.
   */
  whole(bytes: Buffer, reply: UpstreamReply): (facts: CallFacts) => Buffer | Uint8Array;
  /**
   * False for a door whose calls generate no tokens (embeddings): nothing is reserved for output, no output cap is
   * sent upstream, and no shadow is made (a shadow's answer is judged as text). Absent: true.
   */
  readonly generates?: boolean;
  /**
   * Whether a contender can serve this door at all (embeddings: not an `anthropic` one). Fallbacks that cannot are
   * left out of the plan; the assigned contender is kept, and `call` refuses it with the client's 400.
   */
  serves?(contender: Contender): boolean;
  /** The client's stream from the upstream reply's chunks. */
  stream(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, reply: UpstreamReply): ClientStream;
  /**
   * Runs once a successful call's row is committed and before the client gets its last word (the Responses door
   * stores the response here, so a client that has the answer can continue from it). Must not throw.
   */
  settle?(facts: CallFacts): Promise<void>;
  /** An event that ends a stream with an error of the gateway's own (log write failed, shutdown). */
  errorEvent(code: string, message: string, type: string): Buffer;
  /** The body a shadow contender is sent, or null to skip the shadow; absent: the request's body as it is. */
  shadowBody?: ShadowBody;
}

/** One request as its front door hands it over. */
export interface RoutedRequest {
  /** The request in OpenAI chat shape: what admission estimates and caps, shadows resend and adapters serve. */
  body: ChatBody;
  /** The prompt as text for a capturing race (asked only when the race captures). */
  promptText(): string | null;
  /** Sticky assignment key (the client's user id), or null. */
  userKey: string | null;
  /**
   * The contender this request must go to, instead of the race's assignment, and the race (or null: called by name)
   * it was served under (a Responses request continuing a stored response stays where that response was made).
   */
  pin?: Pin;
  t0: number;
  ts: number;
}

/** Where a continued conversation was served (see `RoutedRequest.pin` and `pinTarget`). */
export interface Pin {
  contender: string;
  race: string | null;
  /**
   * Only that contender holds the conversation (an upstream's own Responses state): when it no longer serves the race,
   * the request is refused instead of going to the race's assignment.
   */
  heldUpstream?: boolean;
}

export function resolveTarget(ctx: GatewayContext, req: FastifyRequest, model: string, userKey: string | null): Target {
  const allowed = req.principal.races;
  const view = ctx.races.get(model);
  if (view && (!allowed || allowed.has(model))) {
    const plan = ctx.races.plan(view, userKey, ctx.random);
    if (!plan) throw new SaimaError('service_unavailable', `Race '${model}' has no contender with traffic.`, 'model');
    return { race: view.race.name, names: [plan.primary, ...plan.fallbacks], capture: view.race.capture, view };
  }
  if (ctx.config.contenders.has(model) && (!allowed || allowed.has(model))) {
    const races = budgetedRacesOf(ctx.config).get(model);
    // A race's budget must not be escaped by calling its contender by name: only a key granted it may.
    if (races && !allowed?.has(model)) {
      throw new SaimaError('permission_denied', `'${model}' takes part in race '${races[0]}', whose budget applies: call the race, or use a key granted '${model}' by name.`, 'model');
    }
    return { race: null, names: [model], capture: false, view: null };
  }
  // Same answer whether the model does not exist or the key may not see it: no existence leak.
  throw new SaimaError('model_not_found', `The model '${model}' does not exist or you do not have access to it.`, 'model');
}

/** Serves one routed request through `door`; errors before the answer starts are thrown for the route's handler. */
export async function serveRoutedCall(ctx: GatewayContext, req: FastifyRequest, reply: FastifyReply, r: RoutedRequest, door: FrontDoor, users: UserHashes): Promise<unknown> {
  const { body, userKey, t0, ts } = r;
  const target = resolveTarget(ctx, req, body.model, userKey);
  if (r.pin) pinTarget(ctx, target, r.pin);
  if (door.serves && target.names.length > 1) {
    const [assigned, ...fallbacks] = target.names;
    target.names = [assigned!, ...fallbacks.filter((n) => door.serves!(ctx.config.contenders.get(n)!))];
  }
  ctx.telemetry?.startRequest(req.id, req.headers, { model: body.model, race: target.race, stream: body.stream === true, capture: target.capture, messages: target.capture ? body.messages : undefined, ...(door.protocol === 'embeddings' ? { operation: 'embeddings' as const } : {}) }, t0, reply.raw);
  // An answer whose row cannot be logged is not bought: refuse before any upstream is called (an O(1) flag kept
  // current by the store's heartbeat and by the failures of real work).
  if (!ctx.store.health.up) throw storeDown();
  const generates = door.generates !== false;
  const cap = generates ? requestedCap(body, ctx.config.contenders.get(target.names[0]!)) : NO_OUTPUT;
  let admitted: AdmissionResult;
  try {
    admitted = await ctx.admission.admit(req.principal, body, target.race, target.names, cap, false, generates ? null : raceContenders(target));
  } catch (err) {
    noteRefusal(ctx, req, { ts, race: target.race, contender: target.names[0] ?? null }, err);
    throw err;
  }
  if (admitted.limitState) setRateLimitHeaders(reply, admitted.limitState);
  if (admitted.downgradedBy) target.names = admitted.names;
  const stream = body.stream === true;
  const clientWantsUsage = stream && door.clientWantsUsage;
  const keepEvents = stream && door.readsEvents === true;
  const requestId = req.id;
  reply.header('x-saima-race', target.race ?? '');

  const ac = new CallAbort();
  const onClose = () => {
    if (!reply.raw.writableFinished) ac.abort();
  };
  reply.raw.once('close', onClose);
  // Counted until the row is committed, so a shutdown closes the store only after it (see in-flight.ts).
  const leave = ctx.inFlight.enter(ac);
  try {
    // Exactly one cap field goes upstream, the one reserved: the client's largest, else (when anything was
    // reserved) the contender's default. With nothing reserved and no cap asked, the body goes as it came.
    const capped = generates && (admitted.capped || cap.tokens !== null);
    const makeCall = (contender: Contender): UpstreamCall =>
      door.call(contender, {
        contender,
        body: capped ? withOutputCap({ ...body, model: contender.model }, contender, appliedCap(cap, contender)) : { ...body, model: contender.model },
        stream,
        clientWantsUsage,
        captureText: target.capture,
        requestId,
        keepEvents,
      });

    const primary = ctx.config.contenders.get(target.names[0]!);
    const facts: CallFacts = {
      id: requestId,
      ts,
      race: target.race,
      contender: primary ?? null,
      team: req.principal.team,
      keyId: req.principal.keyId,
      userHash: userKey === null ? null : users.of(userKey),
      parentId: null,
      shadow: false,
      stream,
      status: 200,
      outcome: 'ok',
      errorCode: null,
      errorMessage: null,
      attempts: 0,
      latencyMs: 0,
      ttftMs: null,
      usage: ZERO_USAGE,
      finishReason: null,
      promptText: target.capture ? r.promptText() : null,
      responseText: null,
      outputCap: capped && primary ? appliedCap(cap, primary) : null,
      protocol: door.protocol,
    };

    // A conversation its upstream holds is not in `body` (only the new input is): a shadow would answer another question.
    if (generates && !r.pin?.heldUpstream && target.view?.race.shadow && target.view.race.shadow.contender !== target.names[0] && ctx.random() < target.view.race.shadow.rate) {
      startShadow(ctx, target.view.race, body, facts, req.principal, door.shadowBody);
    }

    // A budgeted call is journaled (committed) before its upstream call: a crash after this is charged, not lost.
    if (journaled(admitted)) {
      try {
        await ctx.journal.open(
          { id: requestId, ts, team: facts.team, key_id: facts.keyId, race: target.race, contender: target.names[0]!, upstream_model: primary?.model ?? null, reserved_nanos: admitted.reservedNanos!, currency: admitted.currency!, protocol: door.protocol },
          target.names,
        );
      } catch (err) {
        ctx.admission.settle(admitted, ZERO_USAGE, 0, primary!);
        throw new SaimaError('service_unavailable', 'The budget ledger cannot record this call right now; try again.', null, { cause: err });
      }
      // After a pause of this process, claims other processes decided meanwhile come first (constant time else).
      const confirming = ctx.admission.confirm(admitted);
      if (confirming) {
        try {
          await confirming;
        } catch (err) {
          ctx.admission.settle(admitted, ZERO_USAGE, 0, primary!);
          ctx.journal.done(requestId);
          noteRefusal(ctx, req, { ts, race: target.race, contender: target.names[0] ?? null }, err);
          throw err;
        }
      }
    }

    let success: AttemptSuccess;
    try {
      success = await attemptPlan(target.names, makeCall, ctx.attemptDeps, ac.signal);
    } catch (err) {
      const e = applyFailure(facts, err, 'unexpected failure');
      facts.attempts = err instanceof AllContendersFailed ? err.failures.length : Math.max(1, facts.attempts);
      if (err instanceof AllContendersFailed) facts.failedAttempts = failedAttempts(err.failures);
      facts.latencyMs = performance.now() - t0;
      try {
        await commit(ctx, facts, admitted);
      } catch {
        // The client is owed the upstream's failure, not the log's (the row was neither committed nor spooled).
      }
      reply.header('x-saima-contender', '');
      throw e;
    }
    const { contender } = success;
    // A race arm that failed before the first byte and was rescued by a fallback still failed: the monitor must
    // see it under the arm it was assigned, while `contender` records who answered and charged.
    if (target.race !== null && contender.name !== target.names[0]) facts.fallbackFrom = target.names[0]!;
    facts.contender = contender;
    if (capped) facts.outputCap = appliedCap(cap, contender);
    facts.attempts = success.attempts;
    facts.failedAttempts = failedAttempts(success.failures);
    facts.ttftMs = performance.now() - t0;
    reply.header('x-saima-contender', contender.name);

    if (!stream) {
      const chunks: Uint8Array[] = success.first ? [success.first] : [];
      for (let r = await success.rest.next(); !r.done; r = await success.rest.next()) chunks.push(r.value);
      let outcome = await success.reply.outcome;
      const bytes = chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks);
      let render: ((facts: CallFacts) => Buffer | Uint8Array) | null = null;
      let unreadable: SaimaError | null = null;
      try {
        render = door.whole(bytes, success.reply);
      } catch (err) {
        // An answer the client's protocol cannot carry: bought, so metered and logged, but a failure.
        unreadable = err instanceof SaimaError ? err : new SaimaError('upstream_error', 'The upstream answer could not be read.');
        outcome = { ...outcome, ok: false, error: { code: unreadable.code, message: unreadable.message, phase: 'first_byte', upstreamStatus: 200 } };
        facts.status = unreadable.status;
      }
      try {
        await finish(ctx, facts, outcome, body, t0, admitted);
      } catch (err) {
        throw logWriteFailed(err);
      }
      if (unreadable) throw unreadable;
      if (door.settle && facts.outcome === 'ok') await door.settle(facts);
      reply.raw.off('close', onClose);
      return reply.code(200).type(success.reply.contentType).send(render!(facts));
    }

    const client = door.stream(success.first, success.rest, success.reply);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': success.reply.contentType,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-saima-request-id': requestId,
      'x-saima-race': target.race ?? '',
      'x-saima-contender': contender.name,
    });
    let tail: Buffer | null = null;
    try {
      tail = await pumpStream(raw, client.first, client.rest, client.lastWord);
    } catch {
      // The adapter turns upstream failures into an error event and outcome; this is the client going away.
    }
    let outcome = await success.reply.outcome;
    // The upstream's answer was whole but the client's protocol could not carry the rest of it: the row says so.
    const refused = client.failure?.() ?? null;
    if (refused !== null && outcome.ok) outcome = { ...outcome, ok: false, error: { code: 'upstream_error', message: refused, phase: 'mid_stream', upstreamStatus: 200 } };
    // Cut by the shutdown before its last word: the client is told, and the row says it was us, not the upstream.
    if (InFlight.wasCut(ac.signal) && tail === null && !(client.complete?.() ?? false) && !raw.destroyed) {
      outcome = shutdownOutcome(outcome);
      tail = door.errorEvent(SHUTTING_DOWN, SHUTDOWN_MESSAGE, 'api_error');
    }
    if (raw.destroyed && outcome.ok) {
      facts.outcome = 'error';
      facts.errorCode = 'client_closed';
      facts.errorMessage = 'client closed the connection before the end of the stream';
    }
    try {
      await finish(ctx, facts, outcome, body, t0, admitted);
      if (door.settle && facts.outcome === 'ok' && tail === null && (client.complete?.() ?? true)) await door.settle(facts);
      if (tail === null && client.ending) tail = client.ending(facts);
    } catch (err) {
      // Neither committed nor spooled: the stream still ends, saying why, instead of hanging without its last word.
      const e = logWriteFailed(err);
      tail = door.errorEvent(e.code, e.message, 'api_error');
    }
    raw.off('close', onClose);
    if (!raw.destroyed) raw.end(tail ?? undefined);
    return undefined;
  } finally {
    // Once the row is committed (or recording it failed): a shutdown then no longer waits for this call.
    leave();
  }
}

/**
 * A pinned request goes to its contender alone (no race draw, no fallback) while that contender still serves the race
 * (it has traffic in the race's current weights): the model asked must be the race (or the contender) the pinned
 * response was served under. A contender that stopped serving — rolled back, set to weight 0, removed — is not called
 * again for its old conversations: a rollback is a safety action, and the gateway holds the whole conversation, so the
 * request goes to the race's assignment (with its fallbacks) instead. Only a conversation the upstream itself holds
 * (`heldUpstream`) cannot move, and is refused.
 */
function pinTarget(ctx: GatewayContext, target: Target, pin: Pin): void {
  const sameRoute = pin.race !== null ? target.race === pin.race : target.race === null && target.names[0] === pin.contender;
  if (!sameRoute) {
    throw new SaimaError('invalid_request', `previous_response_id: that response was served by ${pin.race !== null ? `race '${pin.race}'` : `'${pin.contender}'`}; continue it with the same model.`, 'previous_response_id');
  }
  const configured = ctx.config.contenders.has(pin.contender);
  const serving = configured && (!target.view || target.view.entries.some((e) => e.name === pin.contender && e.weight > 0));
  if (serving) {
    target.names = [pin.contender];
    return;
  }
  if (pin.heldUpstream) {
    throw new SaimaError('invalid_request', `previous_response_id: that response is held by the upstream of '${pin.contender}', which no longer serves ${pin.race !== null ? `race '${pin.race}'` : 'this gateway'}; the gateway does not hold its conversation, so start a new one (without previous_response_id).`, 'previous_response_id');
  }
  if (!configured && !target.view) {
    throw new SaimaError('invalid_request', `previous_response_id: the contender that served it ('${pin.contender}') is no longer configured.`, 'previous_response_id');
  }
  // Not serving the race any more: the race's own assignment (already in `target`) continues the conversation.
}

/** The contenders a race names (champion, challengers at any weight, fallbacks), or the one called by name. */
function raceContenders(target: Target): ReadonlySet<string> {
  const race = target.view?.race;
  if (!race) return new Set(target.names.slice(0, 1));
  return new Set([race.champion, ...race.challengers.map((c) => c.contender), ...race.fallbacks]);
}

function storeDown(): SaimaError {
  return new SaimaError('service_unavailable', 'The request log store is not answering, so no call is made; retry shortly.');
}

function logWriteFailed(err: unknown): SaimaError {
  return new SaimaError('service_unavailable', `The answer could not be logged (request log write failed: ${sanitize((err as Error)?.message ?? String(err))}).`, null, { cause: err });
}

async function finish(ctx: GatewayContext, facts: CallFacts, outcome: CallOutcome, body: ChatBody, t0: number, admitted: AdmissionResult): Promise<void> {
  await applyOutcome(facts, outcome, body);
  facts.latencyMs = performance.now() - t0;
  await commit(ctx, facts, admitted);
}

async function commit(ctx: GatewayContext, facts: CallFacts, admitted: AdmissionResult): Promise<void> {
  const row = toRow(facts);
  if (facts.contender) {
    row.promptEstimate = promptEstimateOf(admitted, facts.contender);
    ctx.admission.settle(admitted, facts.usage, row.costNanos, facts.contender);
  }
  ctx.metrics.observe(toObservation(row));
  ctx.telemetry?.finish(facts);
  await ctx.store.requestLog.append(row);
  if (journaled(admitted)) ctx.journal.done(row.id);
}

function journaled(admitted: AdmissionResult): boolean {
  return admitted.reservation !== null && admitted.reservedNanos !== undefined;
}

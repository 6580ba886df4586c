/**
 * The OpenAI Responses API as a front door: `POST /v1/responses` goes through the same routed call as chat
 * completions (routed-call.ts), sticky by `safety_identifier`, `user` or `x-saima-user`. A contender whose upstream
 * serves the Responses API itself (`responses: true`) gets the client's body (responses/passed-through.ts) and its
 * answer comes back unchanged; the upstream keeps that conversation, and the gateway records only which contender
 * (and team) its id belongs to. Any other contender is called with the translation (responses/to-chat.ts) and its
 * chat-shaped answer is translated back, whole (to-response.ts) or event by event (chunks-to-events.ts). With `store` (the default) the
 * response is kept (migrations/0018) for `responses.retention_days`; a request with `previous_response_id` continues
 * that conversation on the contender that served it while that contender serves the race (else on the race's
 * assignment, routed-call.ts `pinTarget`). `GET /v1/responses/{id}` reads a stored response and
 * `DELETE /v1/responses/{id}` deletes it.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SaimaError } from '../../errors.js';
import { messageText } from '../../metering/tokenizer.js';
import type { GatewayContext } from '../context.js';
import { hasScope, type Principal } from '../principal.js';
import type { CallFacts } from '../request-record.js';
import { ChunksToEvents, translatedStream } from '../responses/chunks-to-events.js';
import { assistantMessage, type Answer } from '../responses/response-object.js';
import { RESPONSES_BODY_CHECK } from '../responses/check-body.js';
import { isObject, toChatBody, type Json, type ResponsesBody, type Translated } from '../responses/to-chat.js';
import { offThreadChecked } from '../large-body/body-threads.js';
import { readAnswer, renderResponse } from '../responses/to-response.js';
import { serveRoutedCall, type FrontDoor, type Pin } from '../routed-call.js';
import type { UpstreamCall, UpstreamReply } from '../../providers/spec.js';
import { UserHashes } from '../user-hash.js';
import type { PlainChatBody } from '../validate-chat.js';
import type { StoredConversation, StoredResponse } from '../../store/repos/stored-responses.js';
import { addCarriedTokens } from '../../metering/prompt-estimate.js';
import { passedBody, PassedStream } from '../responses/passed-through.js';
import { responsesErrorEvent } from '../../providers/openai/responses-api.js';

export const RESPONSES_ROUTE = '/v1/responses';
/** Large bodies are parsed, checked and translated on the body threads (app.ts). */
export const RESPONSES_OFF_THREAD: Record<string, string> = { [RESPONSES_ROUTE]: RESPONSES_BODY_CHECK };
const DAY_MS = 86_400_000;
/** Expired responses are deleted at most this often (a read never returns one past its retention anyway). */
const PRUNE_EVERY_MS = 3_600_000;

function userKeyOf(body: ResponsesBody, req: FastifyRequest): string | null {
  for (const v of [body.safety_identifier, body.user]) if (typeof v === 'string' && v !== '') return v;
  const header = req.headers['x-saima-user'];
  return typeof header === 'string' && header !== '' ? header : null;
}

function promptText(chat: PlainChatBody): string {
  return chat.messages.map((m) => `${String(m.role)}: ${messageText(m.content)}`).join('\n');
}

/** The output cap checks speak of the chat field the cap travels in; this client sent `max_output_tokens`. */
function inClientTerms(err: unknown): unknown {
  if (!(err instanceof SaimaError) || (err.param !== 'max_tokens' && err.param !== 'max_completion_tokens')) return err;
  return new SaimaError(err.code, err.message.replace(/max_(completion_)?tokens/g, 'max_output_tokens'), 'max_output_tokens');
}

/** A stored response, or null; a store that cannot answer is the client's 503, not a 500. */
async function readStored(ctx: GatewayContext, id: string, now: number): Promise<StoredResponse | null> {
  if (!ctx.store.health.up) throw new SaimaError('service_unavailable', 'The store is not answering, so stored responses cannot be read; retry shortly.');
  try {
    return await ctx.store.responses.get(id, now);
  } catch (err) {
    throw new SaimaError('service_unavailable', 'The store could not read the stored response; retry shortly.', null, { cause: err });
  }
}

async function readConversation(ctx: GatewayContext, id: string): Promise<StoredConversation | null> {
  try {
    return await ctx.store.responses.conversation(id);
  } catch (err) {
    throw new SaimaError('service_unavailable', 'The store could not read the stored conversation; retry shortly.', null, { cause: err });
  }
}

/** Same answer whether the id does not exist, expired, or belongs to another team: no existence leak. */
function notFound(id: string, param: string | null): SaimaError {
  return new SaimaError('not_found', `Response with id '${id}' not found.`, param);
}

/**
 * A response an upstream's own Responses API made and holds: the gateway has no copy to read and would leave the
 * upstream's behind if it forgot the id, so it refuses both and says where the response lives.
 */
function heldUpstream(stored: StoredResponse, what: 'read' | 'delete'): SaimaError {
  return new SaimaError('invalid_request', `Response '${stored.id}' was made by the Responses API of '${stored.contender}' (passed through), which holds it; the gateway keeps only where it lives, so it cannot ${what} it: ${what} it at that upstream.`, null);
}

/** A key continues and reads the responses of its own team (or, a key without a team, its own). */
function owns(principal: Principal, stored: StoredResponse): boolean {
  return stored.team !== null ? stored.team === principal.team : stored.keyId === principal.keyId;
}

interface Keep {
  /** This request's input, as chat messages (the turn stored with the answer). */
  input: Json[];
  /** The response continued, and the responses its conversation is stored in (kept as long as this one). */
  previousId: string | null;
  ancestors: string[];
  principal: Principal;
  log: FastifyBaseLogger;
}

/**
 * The call a contender gets of a continued conversation: an earlier answer's reasoning goes back only to the contender
 * that reasoned it (DeepSeek's thinking mode wants its own `reasoning_content` again). Another contender — one that
 * took the conversation over after its first contender stopped serving the race — gets those turns without it: a
 * model's reasoning is its own hidden state, not part of the conversation, and some upstreams refuse the field.
 */
function forContender(contender: string, base: UpstreamCall, origins: readonly (string | null)[]): UpstreamCall {
  const messages = base.body.messages;
  if (!Array.isArray(messages)) return base;
  const foreign = (m: unknown, i: number): boolean => origins[i] != null && origins[i] !== contender && isObject(m) && m.reasoning_content !== undefined;
  if (!messages.some(foreign)) return base;
  const own = messages.map((m: unknown, i) => {
    if (!foreign(m, i)) return m;
    const { reasoning_content: _, ...rest } = m as Json;
    return rest;
  });
  return { ...base, body: { ...base.body, messages: own } };
}

/** How a request may be served: translated, or (a contender with `responses: true`) passed through. */
interface Serving {
  /** Calls may go to an upstream's own Responses API: false for a conversation the gateway holds. */
  passthrough: boolean;
  /** Per chat message of a held conversation: the contender whose answer it is (null: this request's own). */
  origins: readonly (string | null)[];
}

function responsesDoor(ctx: GatewayContext, body: ResponsesBody, id: string, createdAt: number, keep: Keep | null, serving: Serving): FrontDoor {
  let answer: Answer | null = null;
  let response: Json | null = null;
  let stream: ChunksToEvents | null = null;
  // A passed-through answer: the upstream's id, and its stream.
  let passed: { responseId: string | null; stream: PassedStream | null } | null = null;
  const finalOf = (facts: CallFacts): Json | null => {
    if (stream) return stream.final(facts);
    if (answer) response ??= renderResponse(body, id, createdAt, answer, facts.usage);
    return response;
  };
  const passedThrough = (reply: UpstreamReply): NonNullable<typeof passed> => {
    const p: NonNullable<typeof passed> = { responseId: null, stream: null };
    // Settled before the row is written, so before `settle` reads it.
    void reply.outcome.then((o) => (p.responseId = o.responseId ?? null));
    passed = p;
    return p;
  };
  return {
    protocol: 'responses',
    // The translation reads the stream's usage chunk for the settled usage of `response.completed`.
    clientWantsUsage: true,
    readsEvents: true,
    call(contender, base) {
      if (serving.passthrough && contender.responsesApi) return { ...base, responsesBody: passedBody(body, base.body, contender) };
      return serving.origins.length > 0 ? forContender(contender.name, base, serving.origins) : base;
    },
    whole(bytes, reply) {
      if (reply.wire === 'responses') {
        passedThrough(reply);
        return () => bytes;
      }
      answer = readAnswer(bytes);
      return (facts) => Buffer.from(JSON.stringify(finalOf(facts)));
    },
    stream(first, rest, reply) {
      if (reply.wire === 'responses') {
        const p = passedThrough(reply);
        p.stream = new PassedStream();
        return p.stream.client(first, rest);
      }
      stream = new ChunksToEvents(body, id, createdAt);
      return translatedStream(first, rest, stream, reply.events);
    },
    async settle(facts) {
      if (!keep || !facts.contender) return;
      // A store that is down would hold the answer for its deadlines: the answer goes out, unstored (and logged).
      if (!ctx.store.health.up) {
        keep.log.warn({ responseId: passed?.responseId ?? id }, 'the store is down: the response is not stored');
        return;
      }
      // Who may continue it (the key's team), where it was served, and until when.
      const owner = {
        ts: facts.ts,
        expiresAt: facts.ts + ctx.config.responses.retentionDays * DAY_MS,
        team: keep.principal.team,
        keyId: keep.principal.keyId,
        race: facts.race,
        contender: facts.contender.name,
      };
      let record: StoredResponse;
      if (passed) {
        // The upstream holds the conversation: the gateway records only the owner and the context it holds.
        if (passed.responseId === null) return;
        record = { ...owner, id: passed.responseId, previousId: null, turn: [], response: {}, upstream: { contextTokens: facts.usage.promptTokens + facts.usage.completionTokens } };
      } else {
        const final = finalOf(facts);
        const a = stream?.answer ?? answer;
        if (!final || !a) return;
        record = { ...owner, id, previousId: keep.previousId, turn: [...keep.input, assistantMessage(a.reasoning, a.text, a.calls)], response: final };
      }
      try {
        await ctx.store.responses.put(record, passed ? [] : keep.ancestors);
      } catch (err) {
        // The answer is bought and logged; only its continuation is lost (a later previous_response_id gets a 404).
        keep.log.warn({ err, responseId: record.id }, 'could not store the response');
      }
    },
    errorEvent(code, message) {
      const p = passed as { stream: PassedStream | null } | null;
      if (p?.stream) return responsesErrorEvent(code, message, p.stream.sequence + 1);
      return stream ? stream.errorEvent(code, message) : responsesErrorEvent(code, message, 0);
    },
  };
}

export function registerResponsesRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const users = new UserHashes();
  let prunedAt = 0;
  app.post(RESPONSES_ROUTE, async (req: FastifyRequest, reply: FastifyReply) => {
    const t0 = performance.now();
    const ts = ctx.now();
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call responses.');
    const { body, input, chat } = (offThreadChecked(req.body) as Translated | undefined) ?? toChatBody(req.body);
    let ancestors: string[] = [];
    let pin: Pin | undefined;
    const serving: Serving = { passthrough: true, origins: [] };
    const previous = body.previous_response_id;
    if (typeof previous === 'string' && previous !== '') {
      const stored = await readStored(ctx, previous, ts);
      if (!stored || !owns(req.principal, stored)) throw notFound(previous, 'previous_response_id');
      if (stored.upstream) {
        // The upstream holds this conversation: the request goes to it as the client sent it, or nowhere.
        if (ctx.config.contenders.get(stored.contender)?.responsesApi === false) {
          throw new SaimaError('invalid_request', `previous_response_id: that response is held by the upstream of '${stored.contender}', which no longer has its Responses API passed through (responses: true); the gateway does not hold its conversation, so start a new one (without previous_response_id).`, 'previous_response_id');
        }
        pin = { contender: stored.contender, race: stored.race, heldUpstream: true };
        // What the upstream will bill again as input: the conversation so far, beyond this request's own input.
        if (stored.upstream.contextTokens !== null) addCarriedTokens(chat, stored.upstream.contextTokens);
      } else {
        const conversation = await readConversation(ctx, previous);
        // A conversation whose beginning is gone cannot be continued faithfully: as missing as its end.
        if (!conversation) throw notFound(previous, 'previous_response_id');
        ancestors = conversation.ids;
        pin = { contender: stored.contender, race: stored.race };
        // Instructions are not carried over from the earlier response (OpenAI's rule): this request's own lead.
        const system = typeof body.instructions === 'string' && body.instructions !== '' ? [{ role: 'system', content: body.instructions }] : [];
        chat.messages = [...system, ...conversation.messages, ...input] as PlainChatBody['messages'];
        // The gateway holds this conversation: it is translated, whoever serves it.
        serving.passthrough = false;
        serving.origins = [...system.map(() => null), ...conversation.origins, ...input.map(() => null)];
      }
    }
    if (!chat.messages.some((m) => m.role !== 'system' && m.role !== 'developer')) throw new SaimaError('invalid_value', 'input: There is nothing to answer: give at least one input item (or a previous_response_id to continue).', 'input');
    const id = `resp_${req.id}`;
    const store = body.store !== false;
    const keep: Keep | null = store ? { input, previousId: pin ? previous! : null, ancestors, principal: req.principal, log: req.log } : null;
    const door = responsesDoor(ctx, body, id, Math.floor(ts / 1000), keep, serving);
    if (store && ts - prunedAt > PRUNE_EVERY_MS) {
      prunedAt = ts;
      ctx.store.responses.prune(ts).catch((err: unknown) => req.log.warn({ err }, 'could not prune expired responses'));
    }
    try {
      return await serveRoutedCall(ctx, req, reply, { body: chat, promptText: () => promptText(chat), userKey: userKeyOf(body, req), t0, ts, ...(pin ? { pin } : {}) }, door, users);
    } catch (err) {
      throw inClientTerms(err);
    }
  });

  app.get(`${RESPONSES_ROUTE}/:id`, async (req: FastifyRequest<{ Params: { id: string } }>) => {
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call responses.');
    const { id } = req.params;
    const stored = await readStored(ctx, id, ctx.now());
    if (!stored || !owns(req.principal, stored)) throw notFound(id, null);
    if (stored.upstream) throw heldUpstream(stored, 'read');
    return stored.response;
  });

  // OpenAI's answer to a delete. Afterwards the id is unknown: GET and previous_response_id answer its 404.
  app.delete(`${RESPONSES_ROUTE}/:id`, async (req: FastifyRequest<{ Params: { id: string } }>) => {
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call responses.');
    const { id } = req.params;
    const stored = await readStored(ctx, id, ctx.now());
    if (!stored || !owns(req.principal, stored)) throw notFound(id, null);
    if (stored.upstream) throw heldUpstream(stored, 'delete');
    let deleted: boolean;
    try {
      deleted = await ctx.store.responses.delete(id);
    } catch (err) {
      throw new SaimaError('service_unavailable', 'The store could not delete the stored response; retry shortly.', null, { cause: err });
    }
    // Deleted meanwhile by another request: as missing as if it never was.
    if (!deleted) throw notFound(id, null);
    return { id, object: 'response.deleted', deleted: true };
  });
}

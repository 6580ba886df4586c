/**
 * The Anthropic Messages API as a front door: `POST /v1/messages` goes through the same routed call as chat
 * completions (routed-call.ts), sticky by `metadata.user_id` or `x-saima-user`. An `anthropic` contender gets the
 * client's own body and its bytes come back unchanged; any other contender gets the translation (messages/to-chat.ts)
 * and its OpenAI-shaped answer is translated back, whole or event by event. `POST /v1/messages/count_tokens` answers
 * the assigned contender's own count (Anthropic's count_tokens) or the gateway's estimate, and is never charged; it
 * takes one request from the key's and team's request rate, in buckets of its own (Admission.admitFreeCall).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Contender } from '../../config/types.js';
import { SaimaError } from '../../errors.js';
import { estimatePrompt, promptTokensFor } from '../../metering/prompt-estimate.js';
import { messageText } from '../../metering/tokenizer.js';
import { CallAbort } from '../../providers/call-signal.js';
import { UpstreamError } from '../../providers/upstream-error.js';
import type { GatewayContext } from '../context.js';
import { offThreadChecked } from '../large-body/body-threads.js';
import { anthropicErrorEvent } from '../messages/anthropic-errors.js';
import { MESSAGES_BODY_CHECK } from '../messages/check-body.js';
import { anthropicLastWord, translatedStream } from '../messages/chunks-to-events.js';
import { switchThinking } from '../messages/thinking-switch.js';
import { toChatBody, type Refusal } from '../messages/to-chat.js';
import { readCompletion } from '../messages/to-message.js';
import { validateMessagesBody, type MessagesBody } from '../messages/validate-messages.js';
import { setRateLimitHeaders } from '../admission.js';
import { hasScope } from '../principal.js';
import { resolveTarget, serveRoutedCall, type FrontDoor } from '../routed-call.js';
import { UserHashes } from '../user-hash.js';
import type { PlainChatBody } from '../validate-chat.js';
import { admitNoting } from '../refusal-note.js';

export const MESSAGES_ROUTE = '/v1/messages';
export const COUNT_TOKENS_ROUTE = '/v1/messages/count_tokens';
/** Large bodies of both routes are parsed and checked on the body threads (app.ts). */
export const MESSAGES_OFF_THREAD: Record<string, string> = { [MESSAGES_ROUTE]: MESSAGES_BODY_CHECK, [COUNT_TOKENS_ROUTE]: MESSAGES_BODY_CHECK };

/** The validated body, checked here or (a large one) on the body threads. */
function messagesBody(raw: unknown, maxTokensRequired: boolean): MessagesBody {
  const checked = offThreadChecked(raw) as MessagesBody | undefined;
  if (checked === undefined) return validateMessagesBody(raw, maxTokensRequired);
  if (maxTokensRequired && checked.max_tokens === undefined) throw new SaimaError('missing_required_parameter', 'max_tokens: Field required', 'max_tokens');
  return checked;
}

function userKeyOf(chat: PlainChatBody, req: FastifyRequest): string | null {
  if (typeof chat.user === 'string' && chat.user !== '') return chat.user;
  const header = req.headers['x-saima-user'];
  return typeof header === 'string' && header !== '' ? header : null;
}

function promptText(chat: PlainChatBody): string {
  return chat.messages.map((m) => `${String(m.role)}: ${messageText(m.content)}`).join('\n');
}

function messagesDoor(client: MessagesBody, refusals: Refusal[], requestId: string, beta: string | undefined): FrontDoor {
  const stops = Array.isArray(client.stop_sequences) ? (client.stop_sequences as string[]) : [];
  return {
    protocol: 'messages',
    // The translated stream's usage chunk is read for nothing but is asked for: the row meters from it.
    clientWantsUsage: true,
    readsEvents: true,
    call(contender, base) {
      if (contender.protocol === 'anthropic') return { ...base, anthropicBody: client, ...(beta ? { anthropicBeta: beta } : {}) };
      const refused = refusals[0];
      if (refused) throw new SaimaError('invalid_request', `${refused.message} ('${contender.name}' speaks the ${contender.protocol} protocol).`, refused.param);
      const body = switchThinking(contender, base.body);
      return body === base.body ? base : { ...base, body };
    },
    whole(bytes, reply) {
      if (reply.wire === 'anthropic') return () => bytes;
      const read = readCompletion(bytes, requestId, stops);
      return (facts) => Buffer.from(JSON.stringify(read.render(facts.usage)));
    },
    stream(first, rest, reply) {
      if (reply.wire === 'anthropic') return { first, rest, lastWord: anthropicLastWord };
      return translatedStream(first, rest, requestId, stops, reply.events);
    },
    errorEvent: (_code, message) => anthropicErrorEvent('api_error', message),
    // A shadow asks the same question with the same thinking, by its own contender's switch (skipped when it has none to turn on).
    shadowBody: (contender, body) => {
      if (contender.protocol === 'anthropic') return body;
      try {
        return switchThinking(contender, body) as PlainChatBody;
      } catch {
        return null;
      }
    },
  };
}

export function registerMessagesRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const users = new UserHashes();
  app.post(MESSAGES_ROUTE, async (req: FastifyRequest, reply: FastifyReply) => {
    const t0 = performance.now();
    const ts = ctx.now();
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call messages.');
    const client = messagesBody(req.body, true);
    const { chat, refusals } = toChatBody(client);
    const beta = req.headers['anthropic-beta'];
    const door = messagesDoor(client, refusals, req.id, typeof beta === 'string' && beta !== '' ? beta : undefined);
    return serveRoutedCall(ctx, req, reply, { body: chat, promptText: () => promptText(chat), userKey: userKeyOf(chat, req), t0, ts }, door, users);
  });

  app.post(COUNT_TOKENS_ROUTE, async (req: FastifyRequest, reply: FastifyReply) => {
    const ts = ctx.now();
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call messages.');
    const client = messagesBody(req.body, false);
    const { chat } = toChatBody(client);
    const target = resolveTarget(ctx, req, client.model, userKeyOf(chat, req));
    const contender = ctx.config.contenders.get(target.names[0]!)!;
    const limits = await admitNoting(ctx, req, { ts, race: target.race, contender: contender.name }, () => ctx.admission.admitFreeCall(req.principal));
    if (limits) setRateLimitHeaders(reply, limits);
    reply.header('x-saima-race', target.race ?? '');
    reply.header('x-saima-contender', contender.name);
    const counted = await upstreamCount(ctx, contender, client);
    if (counted !== null) {
      reply.header('x-saima-token-count', 'upstream');
      return { input_tokens: counted };
    }
    // The gateway's estimate: the tokenizer's count of the translated request, images at their stated bound.
    reply.header('x-saima-token-count', 'estimate');
    return { input_tokens: promptTokensFor(await estimatePrompt(chat), contender.imageTokens) };
  });
}

/**
 * The contender's own count when its protocol has one; null when it has none or could not answer (the estimate
 * then stands in). A request the upstream calls wrong is the client's 400, as on `/v1/messages`.
 */
async function upstreamCount(ctx: GatewayContext, contender: Contender, client: MessagesBody): Promise<number | null> {
  const adapter = ctx.providers.adapterFor(contender);
  if (!adapter.countTokens) return null;
  const abort = new CallAbort();
  const deadline = setTimeout(() => abort.abort(new DOMException('count_tokens ran out of time.', 'TimeoutError')), contender.timeouts.firstByteMs);
  try {
    return await adapter.countTokens(contender, client, abort.signal);
  } catch (err) {
    if (err instanceof UpstreamError && !err.fallbackable) throw err;
    return null;
  } finally {
    clearTimeout(deadline);
  }
}

/**
 * POST /v1/chat/completions: validate → the routed call (routed-call.ts: race, admission, attempts, metering, log)
 * with the upstream's OpenAI-shaped bytes sent or streamed back unchanged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { messageText } from '../../metering/tokenizer.js';
import { SaimaError } from '../../errors.js';
import type { GatewayContext } from '../context.js';
import { hasScope } from '../principal.js';
import { serveRoutedCall, type FrontDoor } from '../routed-call.js';
import { UserHashes } from '../user-hash.js';
import { validateChatBody, type ChatBody, type PlainChatBody } from '../validate-chat.js';
import { offThread } from '../large-body/body-threads.js';

function lastUserText(body: PlainChatBody): string {
  return body.messages.map((m) => `${String(m.role)}: ${messageText(m.content)}`).join('\n');
}

/** Chat completions in, chat completions out: every reply's bytes go to the client as the upstream sent them. */
function chatDoor(clientWantsUsage: boolean): FrontDoor {
  return {
    protocol: 'chat',
    clientWantsUsage,
    call: (_contender, base) => base,
    whole: (bytes) => () => bytes,
    stream: (first, rest) => ({ first, rest }),
    // OpenAI's error shape, no `[DONE]` after it.
    errorEvent: (code, message, type) => Buffer.from(`data: ${JSON.stringify({ error: { message, type, param: null, code } })}\n\n`),
  };
}

const DOOR_WITH_USAGE = chatDoor(true);
const DOOR_WITHOUT_USAGE = chatDoor(false);

export function registerChatRoute(app: FastifyInstance, ctx: GatewayContext): void {
  const users = new UserHashes();
  app.post('/v1/chat/completions', async (req: FastifyRequest, reply: FastifyReply) => {
    const t0 = performance.now();
    const ts = ctx.now();
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call chat completions.');
    // A large body was parsed, validated and estimated off the event loop (large-body/); its bulky fields stay bytes.
    const large = offThread(req.body);
    const plain = large ? null : validateChatBody(req.body);
    const body: ChatBody = large ? large.body : plain!;
    const header = req.headers['x-saima-user'];
    const userKey = typeof body.user === 'string' && body.user !== '' ? body.user : typeof header === 'string' && header !== '' ? header : null;
    const clientWantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    return serveRoutedCall(
      ctx,
      req,
      reply,
      { body, promptText: () => (large ? large.promptText : lastUserText(plain!)), userKey, t0, ts },
      clientWantsUsage ? DOOR_WITH_USAGE : DOOR_WITHOUT_USAGE,
      users,
    );
  });
}

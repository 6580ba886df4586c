/**
 * POST /v1/embeddings: OpenAI's embeddings API as a front door, through the same routed call as chat completions
 * (routed-call.ts: auth, sticky race assignment by `user` or `x-saima-user`, rate limits and budgets, journal,
 * attempts with retries, fallbacks and breakers, metering, the request log with `protocol = 'embeddings'`). Nothing
 * is generated, so nothing is reserved for output: the reservation and the TPM count are the input's estimate. Only
 * `openai` contenders (and `mock`, a simulator) serve it; the upstream's bytes come back unchanged.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SaimaError } from '../../errors.js';
import { estimateEmbeddingInput, rememberEstimate } from '../../metering/prompt-estimate.js';
import type { GatewayContext } from '../context.js';
import { EMBEDDINGS_BODY_CHECK, type CheckedEmbeddings } from '../embeddings/check-body.js';
import { validateEmbeddingsBody, type EmbeddingsBody } from '../embeddings/validate-embeddings.js';
import { offThreadChecked, offThreadRaw } from '../large-body/body-threads.js';
import { materialized } from '../../providers/raw-json.js';
import { hasScope } from '../principal.js';
import { serveRoutedCall, type FrontDoor } from '../routed-call.js';
import { UserHashes } from '../user-hash.js';
import type { ChatBody } from '../validate-chat.js';

export const EMBEDDINGS_ROUTE = '/v1/embeddings';
/** Large bodies are parsed, checked and estimated on the body threads (app.ts). */
export const EMBEDDINGS_OFF_THREAD: Record<string, string> = { [EMBEDDINGS_ROUTE]: EMBEDDINGS_BODY_CHECK };

const EMBEDDINGS_DOOR: FrontDoor = {
  protocol: 'embeddings',
  clientWantsUsage: false,
  generates: false,
  serves: (contender) => contender.protocol !== 'anthropic',
  call(contender, base) {
    if (contender.protocol === 'anthropic') {
      throw new SaimaError('embeddings_unsupported', `'${contender.name}' cannot serve embeddings: it speaks the anthropic protocol, and Anthropic has no embeddings API. Call a race or contender of the openai protocol.`, 'model');
    }
    return { ...base, operation: 'embeddings' };
  },
  // The upstream's bytes, unchanged: usage was read from them by the adapter (providers/openai/read-embeddings.ts).
  whole: (bytes) => () => bytes,
  stream() {
    throw new Error('embeddings are never streamed (validate-embeddings.ts refuses `stream`)');
  },
  errorEvent: (code, message, type) => Buffer.from(JSON.stringify({ error: { message, type, param: null, code } })),
};

/** The validated body; its input estimate made on the body threads (a large body) or here, only when asked. */
function embeddingsBody(raw: unknown): EmbeddingsBody {
  const checked = offThreadChecked(raw) as CheckedEmbeddings | undefined;
  if (checked !== undefined) {
    // `input` as the client's bytes (providers/raw-json.ts): never parsed or serialised again on the event loop.
    const body = { ...checked.body, ...offThreadRaw(raw) } as EmbeddingsBody;
    rememberEstimate(body, checked.estimate);
    return body;
  }
  const body = validateEmbeddingsBody(raw);
  // Admission asks for it only when a limit or budget applies; metering when the upstream reports no usage.
  rememberEstimate(body, () => estimateEmbeddingInput(body.input));
  return body;
}

export function registerEmbeddingsRoute(app: FastifyInstance, ctx: GatewayContext): void {
  const users = new UserHashes();
  app.post(EMBEDDINGS_ROUTE, async (req: FastifyRequest, reply: FastifyReply) => {
    const t0 = performance.now();
    const ts = ctx.now();
    if (!hasScope(req.principal, 'chat')) throw new SaimaError('permission_denied', 'This key may not call embeddings.');
    const body = embeddingsBody(req.body);
    const header = req.headers['x-saima-user'];
    const userKey = typeof body.user === 'string' && body.user !== '' ? body.user : typeof header === 'string' && header !== '' ? header : null;
    // The core reads `model`, `stream` (absent here) and `user` of the body, which embeddings share with chat; the
    // rest goes to the contender as the client sent it.
    return serveRoutedCall(ctx, req, reply, { body: body as unknown as ChatBody, promptText: () => promptText(body), userKey, t0, ts }, EMBEDDINGS_DOOR, users);
  });
}

/** The inputs as text for a race that captures prompts (token arrays as their ids; a large body's parsed here). */
function promptText(body: EmbeddingsBody): string {
  const { input } = materialized(body);
  if (typeof input === 'string') return input;
  if (typeof input[0] === 'number') return JSON.stringify(input);
  return (input as Array<string | number[]>).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n');
}

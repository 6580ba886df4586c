/**
 * The upstream body for an OpenAI-compatible vendor: the client's body (model already replaced) with the
 * contender's declarative quirks applied, serialised once. The client's object is never mutated; it is
 * copied shallowly only when a quirk changes something.
 */
import { RawJson, serializeBody, type BodyParts } from '../raw-json.js';
import type { UpstreamCall } from '../spec.js';

type Body = Record<string, unknown>;

export function upstreamPayload(call: UpstreamCall): string | BodyParts {
  const { quirks } = call.contender;
  let body: Body = call.body;
  let copied = false;
  const own = (): Body => {
    if (!copied) {
      body = { ...body };
      copied = true;
    }
    return body;
  };

  // OpenAI's reasoning models want max_completion_tokens; many compatible servers only know max_tokens.
  const wanted = quirks.maxTokensField;
  const other = wanted === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  if (body[other] !== undefined && body[wanted] === undefined) {
    const b = own();
    b[wanted] = b[other];
    delete b[other];
  }

  // The `developer` role (OpenAI, 2024-12) is rejected by vendors that only know `system`.
  // (Messages kept as raw JSON of a large body are parsed here only when they hold such a message.)
  const messages = body.messages instanceof RawJson && body.messages.hasDeveloperRole ? body.messages.parse() : body.messages;
  if (quirks.developerRole === 'system' && Array.isArray(messages) && messages.some(isDeveloper)) {
    own().messages = (messages as unknown[]).map((m) => (isDeveloper(m) ? { ...m, role: 'system' } : m));
  }

  // Ask for the usage chunk so the stream can be metered; it is hidden again from clients that did not ask.
  if (call.stream && quirks.usageInStream) {
    const options = body.stream_options;
    const asked = isObject(options) && options.include_usage === true;
    if (!asked) own().stream_options = { ...(isObject(options) ? options : {}), include_usage: true };
  }
  return serializeBody(body);
}

/** True when the reply will carry a usage chunk that the client did not ask for. */
export function hidesUsage(call: UpstreamCall): boolean {
  return call.stream && call.contender.quirks.usageInStream && !call.clientWantsUsage;
}

function isObject(v: unknown): v is Body {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isDeveloper(m: unknown): m is Body {
  return isObject(m) && m.role === 'developer';
}

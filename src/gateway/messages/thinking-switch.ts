/**
 * A Messages client's `thinking` for one OpenAI-compatible contender, by its `thinking_switch` quirk. The translated
 * body carries Anthropic's object as the client gave it, enabled or disabled (to-chat.ts); here it becomes what that
 * vendor reads, or the client's 400 when the vendor has no switch to turn on. Never dropped while it could matter:
 * a client that turns thinking off must not get (and pay for) reasoning.
 */
import type { Contender } from '../../config/types.js';
import { SaimaError } from '../../errors.js';
import { isObject } from './validate-messages.js';

type Body = Record<string, unknown>;

export function switchThinking(contender: Contender, body: Body): Body {
  const thinking = body.thinking;
  const how = contender.quirks.thinkingSwitch;
  if (!isObject(thinking) || how === 'thinking') return body;
  const { thinking: _given, ...rest } = body;
  const type = thinking.type;
  if (how === 'enable_thinking') {
    // DashScope: a boolean, and the budget in a field of its own.
    if (type === 'disabled') return { ...rest, enable_thinking: false };
    if (type === 'enabled') return { ...rest, enable_thinking: true, thinking_budget: thinking.budget_tokens };
  } else if (type === 'disabled') {
    // No switch: such a model has no thinking to turn off, and its API knows no `thinking` field.
    return rest;
  }
  const why = how === 'none' ? 'has no thinking switch' : 'switches thinking only on or off';
  throw new SaimaError('invalid_request', `thinking: thinking of type '${String(type)}' cannot be carried to '${contender.name}', which ${why} (its thinking_switch quirk is ${how}).`, 'thinking');
}

/**
 * The check a large Messages body (256 kB or more: images, long conversations) gets on the body threads, so its parse
 * and validation do not stall the event loop. `max_tokens` is required by `/v1/messages` only; that route checks it.
 */
import { validateMessagesBody } from './validate-messages.js';

export const MESSAGES_BODY_CHECK = import.meta.url;

export function checkBody(parsed: unknown): unknown {
  return validateMessagesBody(parsed, false);
}

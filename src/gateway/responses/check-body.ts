/**
 * The check a large Responses body (256 kB or more: images, long item lists) gets on the body threads, so its parse,
 * validation and translation do not stall the event loop: the thread hands back the translation itself.
 */
import { toChatBody } from './to-chat.js';

export const RESPONSES_BODY_CHECK = import.meta.url;

export function checkBody(parsed: unknown): unknown {
  return toChatBody(parsed);
}

/** The text a battle is about: its prompt hash (always stored) and the question shown to a judge. */
import { hash } from 'node:crypto';
import { messageText } from '../metering/tokenizer.js';

export function promptHash(text: string): string {
  // The one-shot form: about half the cost of createHash().update().digest() per call (a bulk import hashes millions).
  return hash('sha256', text, 'hex');
}

/**
 * A conversation as one question: a lone user message is shown as is; a longer conversation is shown as a
 * transcript (`role: text` per message), so a judge sees the context the answers replied to.
 */
export function questionText(messages: ReadonlyArray<{ role?: unknown; content?: unknown }>): string {
  if (messages.length === 1 && messages[0]!.role === 'user') return messageText(messages[0]!.content);
  return transcript(messages);
}

/** `role: text` per message, as the gateway logs a captured prompt. */
export function transcript(messages: ReadonlyArray<{ role?: unknown; content?: unknown }>): string {
  return messages.map((m) => `${String(m.role)}: ${messageText(m.content)}`).join('\n');
}

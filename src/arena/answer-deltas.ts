/**
 * Reads the answer text out of an OpenAI chat-completion SSE body as it arrives (every adapter speaks that shape
 * to its caller), one `delta.content` piece at a time. Usage, finish reason and failures are the adapter's
 * outcome's business; this only forwards text.
 */
import { createParser } from 'eventsource-parser';

interface ChunkShape {
  choices?: Array<{ delta?: { content?: unknown } | null } | null> | null;
}

/** Feeds every body chunk (the one already read first, then the rest) to `onText` as text pieces. */
export async function forwardAnswerText(first: Uint8Array | null, rest: AsyncIterator<Uint8Array>, onText: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder();
  const parser = createParser({
    onEvent(event) {
      if (event.data === '[DONE]' || !event.data.includes('"content"')) return;
      let chunk: ChunkShape;
      try {
        chunk = JSON.parse(event.data) as ChunkShape;
      } catch {
        return; // a malformed event: the adapter's outcome reports the failure
      }
      const piece = chunk.choices?.[0]?.delta?.content;
      if (typeof piece === 'string' && piece !== '') onText(piece);
    },
  });
  if (first) parser.feed(decoder.decode(first, { stream: true }));
  for (let r = await rest.next(); !r.done; r = await rest.next()) parser.feed(decoder.decode(r.value, { stream: true }));
  parser.feed(decoder.decode());
}

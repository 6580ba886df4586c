/**
 * The one event a client sees when a stream fails after it started: OpenAI's error shape and no `[DONE]`
 * after it, so a client cannot mistake a cut answer for a complete one (the official SDKs raise on it).
 */
import { ERRORS, sanitize } from '../errors.js';

export function streamCutEvent(message: string): Buffer {
  const error = { message: sanitize(message), type: ERRORS.upstream_stream_cut.type, param: null, code: 'upstream_stream_cut' };
  return Buffer.from(`data: ${JSON.stringify({ error })}\n\n`);
}

/**
 * The check a large embeddings body (256 kB or more: thousands of texts or token arrays) gets on the body threads:
 * its parse, validation and input estimate do not stall the event loop.
 */
import { estimateEmbeddingInput, type PromptEstimate } from '../../metering/prompt-estimate.js';
import { validateEmbeddingsBody, type EmbeddingsBody } from './validate-embeddings.js';

export const EMBEDDINGS_BODY_CHECK = import.meta.url;
/**
 * `input` goes back to the event loop as the bytes it came in and upstream spliced in unchanged: copying megabytes of
 * texts or token arrays across threads and serialising them again costs tens of milliseconds there.
 */
export const RAW_FIELDS = ['input'] as const;

export interface CheckedEmbeddings {
  /** Without `input`, which travels as bytes (RAW_FIELDS). */
  body: Omit<EmbeddingsBody, 'input'>;
  estimate: PromptEstimate;
}

export async function checkBody(parsed: unknown): Promise<CheckedEmbeddings> {
  const { input, ...body } = validateEmbeddingsBody(parsed);
  return { body, estimate: await estimateEmbeddingInput(input) };
}

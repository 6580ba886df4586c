/**
 * The check a large embeddings body (256 kB or more: thousands of texts or token arrays) gets on the body threads:
 * its parse, validation and input estimate do not stall the event loop.
 */
import { estimateEmbeddingInput, type PromptEstimate } from '../../metering/prompt-estimate.js';
import { validateEmbeddingsBody, type EmbeddingsBody } from './validate-embeddings.js';

export const EMBEDDINGS_BODY_CHECK = import.meta.url;

export interface CheckedEmbeddings {
  body: EmbeddingsBody;
  estimate: PromptEstimate;
}

export async function checkBody(parsed: unknown): Promise<CheckedEmbeddings> {
  const body = validateEmbeddingsBody(parsed);
  return { body, estimate: await estimateEmbeddingInput(body.input) };
}

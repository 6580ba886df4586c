/**
 * Token estimates for when an upstream reports no usage. o200k_base (GPT-4o's encoding) is only an estimate
 * for other vendors' tokenizers, which is why such rows are flagged `estimated`. Loaded lazily: the ranks table
 * costs ~100 ms and tens of MB, and most deployments never need it.
 */
type Counter = (text: string) => number;
let counter: Promise<Counter> | null = null;

function load(): Promise<Counter> {
  counter ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text));
  return counter;
}

export async function countTokens(text: string): Promise<number> {
  if (text === '') return 0;
  return (await load())(text);
}

/** Per-message overhead of the chat format (role markers, separators), per OpenAI's cookbook counting recipe. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;

/** Estimates prompt tokens of a chat request from its messages (text parts only) and tool definitions. */
export async function estimatePromptTokens(body: Record<string, unknown>): Promise<number> {
  const count = await load();
  let total = TOKENS_PER_REPLY;
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE;
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (typeof msg.role === 'string') total += count(msg.role);
    total += count(messageText(msg.content));
    if (msg.tool_calls !== undefined) total += count(JSON.stringify(msg.tool_calls));
  }
  if (body.tools !== undefined) total += count(JSON.stringify(body.tools));
  return total;
}

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let out = '';
  for (const part of content) {
    if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') out += (part as { text: string }).text;
  }
  return out;
}

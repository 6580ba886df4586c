/**
 * The prompts of a judge run, from a file: JSONL (one prompt per line), a JSON array, or plain text (one prompt per
 * non-empty line). A prompt is a string, `{ "prompt": "…" }` or `{ "messages": [...] }` (OpenAI chat messages), with
 * optional `tags` and `language`.
 */
import { z } from 'zod';
import type { ChatMessage } from './contender-call.js';
import { normaliseLanguage } from './language.js';
import { TagsSchema } from './record-battles.js';

export interface ArenaPrompt {
  messages: ChatMessage[];
  tags: string[];
  language: string | null;
}

const MessageSchema = z.looseObject({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.unknown() });
const ItemSchema = z.union([
  z.string().min(1),
  z.object({ prompt: z.string().min(1), tags: TagsSchema, language: z.string().optional() }).strict(),
  z.object({ messages: z.array(MessageSchema).min(1), tags: TagsSchema, language: z.string().optional() }).strict(),
]);

export function parsePromptsFile(text: string, file: string): ArenaPrompt[] {
  let items: unknown[];
  if (/\.jsonl$/i.test(file)) {
    items = text.split('\n').flatMap((line, k) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        throw new Error(`${file}:${k + 1}: not valid JSON`);
      }
    });
  } else if (/\.json$/i.test(file)) {
    const doc = JSON.parse(text) as unknown;
    if (!Array.isArray(doc)) throw new Error(`${file}: expected a JSON array of prompts`);
    items = doc;
  } else {
    items = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  }
  if (items.length === 0) throw new Error(`${file}: no prompts`);
  return items.map((item, k) => {
    const parsed = ItemSchema.safeParse(item);
    if (!parsed.success) throw new Error(`${file}: prompt ${k + 1}: ${parsed.error.issues[0]!.path.join('.') || 'item'}: ${parsed.error.issues[0]!.message}`);
    const p = parsed.data;
    if (typeof p === 'string') return { messages: [{ role: 'user', content: p }], tags: [], language: null };
    const language = p.language !== undefined ? normaliseLanguage(p.language) : null;
    if (p.language !== undefined && language === null) throw new Error(`${file}: prompt ${k + 1}: language must be a tag like zh or en`);
    const messages = 'prompt' in p ? [{ role: 'user', content: p.prompt }] : (p.messages as ChatMessage[]);
    return { messages, tags: p.tags, language };
  });
}

/**
 * `saima arena import`: a battle file imported as one transaction and as a set. Every battle has an identity — its
 * `id` field when given, else a hash of its content — stored as its id, so importing a file again (or an overlapping
 * one) adds only what is new. A bad battle anywhere refuses the whole file, naming `file:line`.
 *
 * Two shapes are read: Saima's (the `POST /v1/arena/battles` fields, plus `id`) and FastChat's battle records
 * (`model_a`, `model_b`, `winner: "model_a" | "model_b" | "tie" | "tie (bothbad)"`, `judge`, `tstamp` in seconds,
 * `question_id`, optional `conversation_a/b` and `conv_metadata`; other keys ignored), as JSON Lines or as the
 * JSON array of a `clean_battle_*.json` export.
 */
import { hash } from 'node:crypto';
import { statSync } from 'node:fs';
import { z } from 'zod';
import type { Config } from '../config/types.js';
import type { BattleRecord, StyleCounts, Store } from '../store/index.js';
import { buildBattle } from './battle.js';
import { battleFileValues, BattleFileError } from './battle-file.js';
import { normaliseLanguage } from './language.js';
import { battleFields, BattleFieldsSchema } from './record-battles.js';

export { BattleFileError };

const SaimaImportSchema = BattleFieldsSchema.extend({ id: z.string().min(1).max(256).optional() })
  .strict()
  .refine((b) => b.prompt !== undefined || b.prompt_hash !== undefined, { message: "give 'prompt' or 'prompt_hash'", path: ['prompt'] })
  .refine((b) => b.contender_a !== b.contender_b, { message: 'a contender cannot battle itself', path: ['contender_b'] });

const FASTCHAT_WINNERS = { model_a: 'a', model_b: 'b', tie: 'tie', 'tie (bothbad)': 'tie_bothbad' } as const;
const Turns = z.array(z.object({ role: z.string(), content: z.unknown() }).loose()).nullable().optional();
const Counts = z.record(z.string(), z.number()).optional();
const FastChatSchema = z
  .object({
    id: z.string().min(1).max(256).optional(),
    model_a: BattleFieldsSchema.shape.contender_a,
    model_b: BattleFieldsSchema.shape.contender_b,
    winner: z.enum(Object.keys(FASTCHAT_WINNERS) as [keyof typeof FASTCHAT_WINNERS]),
    question_id: z.union([z.string(), z.number()]).optional(),
    judge: z.string().max(128).optional(),
    tstamp: z.number().nonnegative().optional(),
    language: z.string().optional(),
    conversation_a: Turns,
    conversation_b: Turns,
    conv_metadata: z
      .object({
        sum_assistant_a_tokens: z.number().optional(),
        sum_assistant_b_tokens: z.number().optional(),
        header_count_a: Counts,
        header_count_b: Counts,
        list_count_a: Counts,
        list_count_b: Counts,
        bold_count_a: Counts,
        bold_count_b: Counts,
      })
      .loose()
      .nullable()
      .optional(),
  })
  .loose()
  .refine((b) => b.model_a !== b.model_b, { message: 'a contender cannot battle itself', path: ['model_b'] });

/** FastChat writes language names ("English", "Chinese"); the common ones become tags, others stay unknown. */
const LANGUAGE_NAMES: Record<string, string> = {
  english: 'en', chinese: 'zh', japanese: 'ja', korean: 'ko', russian: 'ru', german: 'de', french: 'fr', spanish: 'es',
  portuguese: 'pt', italian: 'it', vietnamese: 'vi', arabic: 'ar', polish: 'pl', indonesian: 'id', turkish: 'tr', dutch: 'nl',
};

export interface ImportOptions {
  /** Race given to battles that name none. */
  race?: string | null;
  /** Battles per write (memory held at once). */
  batch?: number;
}

export interface ImportSummary {
  file: string;
  battles: number;
  inserted: number;
  present: number;
}

export async function importBattleFile(store: Store, config: Config, file: string, opts: ImportOptions = {}): Promise<ImportSummary> {
  if (opts.race && !config.races.has(opts.race)) throw new BattleFileError(`--race: no race named '${opts.race}'`);
  const size = opts.batch ?? 2000;
  let battles = 0;
  const now = Date.now();
  async function* batches(): AsyncGenerator<BattleRecord[]> {
    let batch: BattleRecord[] = [];
    for await (const { value, line } of battleFileValues(file)) {
      batch.push(await toRecord(value, `${file}:${line}`, config, opts.race ?? null, now));
      battles++;
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  }
  // Roughly 200 bytes a battle: enough for the store to choose between row-by-row index updates and a rebuild.
  const expected = Math.round(statSync(file).size / 200);
  const { inserted, present } = await store.battles.importAll(batches(), { expected });
  return { file, battles, inserted, present };
}

function issue(where: string, error: z.ZodError): BattleFileError {
  const i = error.issues[0]!;
  const at = i.path.join('.');
  return new BattleFileError(`${where}: ${at ? `${at}: ` : ''}${i.message}`);
}

async function toRecord(value: unknown, where: string, config: Config, race: string | null, now: number): Promise<BattleRecord> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BattleFileError(`${where}: a battle must be a JSON object`);
  return 'model_a' in value ? fromFastChat(value, where, race, now) : fromSaima(value, where, config, race, now);
}

async function fromSaima(value: object, where: string, config: Config, defaultRace: string | null, now: number): Promise<BattleRecord> {
  const parsed = SaimaImportSchema.safeParse(value);
  if (!parsed.success) throw issue(where, parsed.error);
  const b = parsed.data;
  let language: string | null | undefined;
  if (b.language !== undefined) {
    language = normaliseLanguage(b.language);
    if (language === null) throw new BattleFileError(`${where}: language: must be a tag like zh or en`);
  }
  const race = b.race ?? defaultRace;
  const id = identity(b.id, [b.race ?? null, b.contender_a, b.contender_b, b.winner, b.ts ?? null, b.prompt ?? null, b.prompt_hash ?? null, b.answer_a ?? null, b.answer_b ?? null, b.source, b.voter ?? null, [...b.tags].sort(), language ?? null], b.ts ?? null);
  return buildBattle({
    ...battleFields(b),
    id,
    ts: b.ts ?? now,
    race,
    capture: race ? (config.races.get(race)?.capture ?? false) : false,
    voter: b.voter ?? 'anonymous',
    team: null,
    ...(language !== undefined ? { language } : {}),
  });
}

async function fromFastChat(value: object, where: string, race: string | null, now: number): Promise<BattleRecord> {
  const parsed = FastChatSchema.safeParse(value);
  if (!parsed.success) throw issue(where, parsed.error);
  const b = parsed.data;
  const firstUser = b.conversation_a?.find((m) => m.role === 'user')?.content;
  const prompt = typeof firstUser === 'string' ? firstUser : null;
  const ts = b.tstamp !== undefined ? Math.round(b.tstamp * 1000) : null;
  const winner = FASTCHAT_WINNERS[b.winner];
  const questionId = b.question_id === undefined ? null : String(b.question_id);
  const id = identity(b.id, ['fastchat', b.model_a, b.model_b, winner, ts, questionId, prompt, b.judge ?? null, b.language ?? null], ts);
  const lang = b.language === undefined ? null : (LANGUAGE_NAMES[b.language.trim().toLowerCase()] ?? normaliseLanguage(b.language));
  return buildBattle({
    id,
    ts: ts ?? now,
    race,
    prompt,
    // Without the conversation, the question id stands in for the prompt (same question, same hash).
    ...(prompt === null ? { promptHash: hash('sha256', `question:${questionId ?? id}`, 'hex') } : {}),
    capture: false,
    contenderA: b.model_a,
    contenderB: b.model_b,
    answerA: null,
    answerB: null,
    styleA: fastChatStyle(b.conv_metadata, 'a'),
    styleB: fastChatStyle(b.conv_metadata, 'b'),
    winner,
    source: 'human',
    voter: b.judge ?? 'anonymous',
    team: null,
    tags: [],
    language: lang,
  });
}

type ConvMetadata = z.infer<typeof FastChatSchema>['conv_metadata'];
const sumCounts = (c: Record<string, number> | undefined): number => Object.values(c ?? {}).reduce((s, x) => s + x, 0);

/** FastChat's markdown counts of one side (add_markdown_info.py), summed per feature: Saima's style counts. */
function fastChatStyle(m: ConvMetadata, side: 'a' | 'b'): StyleCounts | null {
  const tokens = m?.[`sum_assistant_${side}_tokens`];
  if (typeof tokens !== 'number') return null;
  return { tokens, headers: sumCounts(m![`header_count_${side}`]), lists: sumCounts(m![`list_count_${side}`]), bold: sumCounts(m![`bold_count_${side}`]) };
}

/**
 * The stored id of an imported battle: from its `id` when given, else from its content. Same input, same id. A
 * content id starts with the battle's time (when the file gives one): files are mostly in time order, so the
 * primary key then grows at its end instead of at random pages, which keeps a million-battle import fast.
 */
function identity(given: string | undefined, content: unknown[], ts: number | null): string {
  if (given !== undefined) return `battle_${hash('sha256', `id\u0000${given}`, 'hex').slice(0, 32)}`;
  const digest = hash('sha256', `content\u0000${JSON.stringify(content)}`, 'hex').slice(0, 32);
  return ts === null ? `battle_${digest}` : `battle_t${ts.toString(36).padStart(9, '0')}_${digest}`;
}

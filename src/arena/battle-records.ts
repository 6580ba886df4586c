/**
 * The battles of an import file as records: each value of the file validated and given its identity — its `id`
 * field when given, else a hash of its content — as its stored id, so importing a file again (or an overlapping one)
 * adds only what is new. A bad battle throws, naming `file:line`.
 *
 * Two shapes are read: Saima's (the `POST /v1/arena/battles` fields, plus `id`) and FastChat's battle records
 * (`model_a`, `model_b`, `winner: "model_a" | "model_b" | "tie" | "tie (bothbad)"`, `judge`, `tstamp` in seconds,
 * `question_id`, optional `conversation_a/b` and `conv_metadata`; other keys ignored), as JSON Lines or as the
 * JSON array of a `clean_battle_*.json` export.
 */
import { hash } from 'node:crypto';
import { z } from 'zod';
import { LEAN_FIELDS, type BattleBatch, type BattleRecord, type BattleSource, type StyleCounts } from '../store/index.js';
import { buildBattle } from './battle.js';
import { promptHash } from './prompt-text.js';
import { battleFileRuns, BattleFileError } from './battle-file.js';
import { normaliseLanguage } from './language.js';
import { battleFields, BattleFieldsSchema, CONTENDER_NAME } from './record-battles.js';


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
const LANGUAGE_NAMES = new Map(Object.entries({
  english: 'en', chinese: 'zh', japanese: 'ja', korean: 'ko', russian: 'ru', german: 'de', french: 'fr', spanish: 'es',
  portuguese: 'pt', italian: 'it', vietnamese: 'vi', arabic: 'ar', polish: 'pl', indonesian: 'id', turkish: 'tr', dutch: 'nl',
}));

/** What turning a file's values into records needs besides the values. */
export interface RecordContext {
  file: string;
  /** Race given to battles that name none. */
  race: string | null;
  /** Time given to battles that carry none. */
  now: number;
  /** Races that store prompt and answer text, by name. */
  capturing: ReadonlySet<string>;
  /** Battles per batch at most. */
  batch: number;
}

/**
 * The file's battles in batches of at most `ctx.batch`, in file order. A batch is a list of runs: battles whose row
 * is their key fields alone as columns (`LeanBattles`: no record object each), the others as records.
 */
export async function* battleBatches(ctx: RecordContext): AsyncGenerator<BattleBatch[]> {
  const reader = new BattleReader(ctx);
  // One run of values per chunk of the file; a Saima-shaped battle may need an await (style counts), a FastChat
  // record never does, so the common case costs no microtask per battle.
  for await (const { values, lines } of battleFileRuns(ctx.file)) {
    for (let from = 0; from < values.length; from += ctx.batch) {
      const to = Math.min(values.length, from + ctx.batch);
      const out = new BatchBuilder(ctx.race);
      for (let k = from; k < to; k++) {
        if (reader.leanFastChat(values[k], out)) continue;
        const r = toRecord(values[k], lines[k]!, ctx, reader.names);
        out.record(r instanceof Promise ? await r : r);
      }
      yield out.done();
    }
  }
}

/** A batch as runs, in order: consecutive lean battles of one source share one run of columns. */
class BatchBuilder {
  readonly #race: string | null;
  readonly #runs: BattleBatch[] = [];
  #fields: string[] | null = null;
  #source: BattleSource | null = null;
  #records: BattleRecord[] | null = null;

  constructor(race: string | null) {
    this.#race = race;
  }

  /** One lean battle's columns, in `LEAN_FIELDS` order. */
  lean(source: BattleSource, id: string, ts: string, promptHash: string, a: string, b: string, winner: string, voter: string, language: string): void {
    if (this.#fields === null || this.#source !== source) {
      this.#flushFields();
      this.#flushRecords();
      this.#fields = [];
      this.#source = source;
    }
    this.#fields.push(id, ts, promptHash, a, b, winner, voter, language);
  }

  record(b: BattleRecord): void {
    if (leanRow(b, this.#race)) {
      this.lean(b.source, b.id, String(b.ts), b.promptHash, b.contenderA, b.contenderB, b.winner!, b.voter!, b.language ?? '');
      return;
    }
    if (this.#records === null) {
      this.#flushFields();
      this.#records = [];
    }
    this.#records.push(b);
  }

  done(): BattleBatch[] {
    this.#flushFields();
    this.#flushRecords();
    return this.#runs;
  }

  #flushFields(): void {
    if (this.#fields) this.#runs.push({ race: this.#race, source: this.#source!, count: this.#fields.length / LEAN_FIELDS, fields: this.#fields });
    this.#fields = null;
  }

  #flushRecords(): void {
    if (this.#records) this.#runs.push(this.#records);
    this.#records = null;
  }
}

/** A record that lean columns carry exactly: its race is the import's; no text, style, tags or details; a verdict; a voter; a whole `ts`. */
function leanRow(b: BattleRecord, race: string | null): boolean {
  return (
    b.race === race && b.prompt === null && b.answerA === null && b.answerB === null && b.error === null && b.team === null &&
    b.styleA === null && b.styleB === null && b.tags.length === 0 && (b.details === null || b.details === undefined) &&
    b.winner !== null && typeof b.voter === 'string' && Number.isSafeInteger(b.ts) && b.language !== ''
  );
}

/** Per-file state of reading battles: the name check and a small cache of language names. */
class BattleReader {
  readonly names = new NameCheck();
  readonly #ctx: RecordContext;
  readonly #languages = new Map<string, string | null>();

  constructor(ctx: RecordContext) {
    this.#ctx = ctx;
  }

  /**
   * A FastChat record of the usual shape (`plainFastChat`) goes straight to lean columns, the ones `fastChatRecord`
   * and `leanRow` would give it, without a record object. False when the value takes the usual road instead.
   */
  leanFastChat(value: unknown, out: BatchBuilder): boolean {
    if (typeof value !== 'object' || value === null || !('model_a' in value)) return false;
    const v = value as Record<string, unknown>;
    if (!plainFastChat(v, this.names)) return false;
    const ts = v.tstamp !== undefined ? Math.round(v.tstamp * 1000) : null;
    if (ts !== null && !Number.isSafeInteger(ts)) return false;
    const winner = FASTCHAT_WINNERS[v.winner];
    const questionId = v.question_id === undefined ? null : String(v.question_id);
    const id = identity(v.id, ['fastchat', v.model_a, v.model_b, winner, ts, questionId, null, v.judge ?? null, v.language ?? null], ts);
    let language: string | null = null;
    if (v.language !== undefined) {
      language = this.#languages.get(v.language) ?? fastChatLanguage(v.language);
      if (this.#languages.size < 1000) this.#languages.set(v.language, language);
    }
    out.lean('human', id, String(ts ?? this.#ctx.now), questionPromptHash(questionId ?? id), v.model_a, v.model_b, winner, v.judge ?? 'anonymous', language ?? '');
    return true;
  }
}

function issue(where: string, error: z.ZodError): BattleFileError {
  const i = error.issues[0]!;
  const at = i.path.join('.');
  return new BattleFileError(`${where}: ${at ? `${at}: ` : ''}${i.message}`);
}

function toRecord(value: unknown, line: number, ctx: RecordContext, names: NameCheck): BattleRecord | Promise<BattleRecord> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BattleFileError(`${ctx.file}:${line}: a battle must be a JSON object`);
  if (!('model_a' in value)) return fromSaima(value, `${ctx.file}:${line}`, ctx);
  // The shape of nearly every FastChat record, checked by hand (a schema parse costs microseconds a record, a good
  // share of a million-battle import); anything else, valid or not, takes the schema, which decides and words the error.
  if (plainFastChat(value as Record<string, unknown>, names)) return fastChatRecord(value as PlainFastChat, null, null, null, ctx);
  return fromFastChat(value, `${ctx.file}:${line}`, ctx);
}

async function fromSaima(value: object, where: string, ctx: RecordContext): Promise<BattleRecord> {
  const parsed = SaimaImportSchema.safeParse(value);
  if (!parsed.success) throw issue(where, parsed.error);
  const b = parsed.data;
  let language: string | null | undefined;
  if (b.language !== undefined) {
    language = normaliseLanguage(b.language);
    if (language === null) throw new BattleFileError(`${where}: language: must be a tag like zh or en`);
  }
  const race = b.race ?? ctx.race;
  const id = identity(b.id, [b.race ?? null, b.contender_a, b.contender_b, b.winner, b.ts ?? null, b.prompt ?? null, b.prompt_hash ?? null, b.answer_a ?? null, b.answer_b ?? null, b.source, b.voter ?? null, [...b.tags].sort(), language ?? null], b.ts ?? null);
  return buildBattle({
    ...battleFields(b),
    id,
    ts: b.ts ?? ctx.now,
    race,
    capture: race !== null && ctx.capturing.has(race),
    voter: b.voter ?? 'anonymous',
    team: null,
    ...(language !== undefined ? { language } : {}),
  });
}

/** The fields of a FastChat record that make its battle. */
interface PlainFastChat {
  id?: string | undefined;
  model_a: string;
  model_b: string;
  winner: keyof typeof FASTCHAT_WINNERS;
  question_id?: string | number | undefined;
  judge?: string | undefined;
  tstamp?: number | undefined;
  language?: string | undefined;
}

/** Contender names already seen valid: a file names a few dozen models a million times. Bounded. */
class NameCheck {
  readonly #ok = new Set<string>();
  valid(name: unknown): name is string {
    if (typeof name !== 'string') return false;
    if (this.#ok.has(name)) return true;
    if (!CONTENDER_NAME.test(name)) return false;
    if (this.#ok.size < 10_000) this.#ok.add(name);
    return true;
  }
}

/**
 * A FastChat record without conversation or metadata whose fields all pass as the schema would pass them. A false
 * here decides nothing: the schema then parses the record.
 */
function plainFastChat(v: Record<string, unknown>, names: NameCheck): v is Record<string, unknown> & PlainFastChat {
  const { id, model_a, model_b, winner, question_id, judge, tstamp, language } = v;
  return (
    names.valid(model_a) && names.valid(model_b) && model_a !== model_b &&
    typeof winner === 'string' && Object.hasOwn(FASTCHAT_WINNERS, winner) &&
    (id === undefined || (typeof id === 'string' && id.length >= 1 && id.length <= 256)) &&
    (question_id === undefined || typeof question_id === 'string' || typeof question_id === 'number') &&
    (judge === undefined || (typeof judge === 'string' && judge.length <= 128)) &&
    (tstamp === undefined || (typeof tstamp === 'number' && tstamp >= 0)) &&
    (language === undefined || typeof language === 'string') &&
    v.conversation_a == null && v.conversation_b == null && v.conv_metadata == null
  );
}

function fromFastChat(value: object, where: string, ctx: RecordContext): BattleRecord {
  const parsed = FastChatSchema.safeParse(value);
  if (!parsed.success) throw issue(where, parsed.error);
  const b = parsed.data;
  const firstUser = b.conversation_a?.find((m) => m.role === 'user')?.content;
  const prompt = typeof firstUser === 'string' ? firstUser : null;
  return fastChatRecord(b, prompt, fastChatStyle(b.conv_metadata, 'a'), fastChatStyle(b.conv_metadata, 'b'), ctx);
}

function fastChatRecord(b: PlainFastChat, prompt: string | null, styleA: StyleCounts | null, styleB: StyleCounts | null, ctx: RecordContext): BattleRecord {
  const ts = b.tstamp !== undefined ? Math.round(b.tstamp * 1000) : null;
  const winner = FASTCHAT_WINNERS[b.winner];
  const questionId = b.question_id === undefined ? null : String(b.question_id);
  const id = identity(b.id, ['fastchat', b.model_a, b.model_b, winner, ts, questionId, prompt, b.judge ?? null, b.language ?? null], ts);
  return {
    id,
    ts: ts ?? ctx.now,
    race: ctx.race,
    // Without the conversation, the question id stands in for the prompt (same question, same hash).
    promptHash: prompt !== null ? promptHash(prompt) : questionPromptHash(questionId ?? id),
    prompt: null,
    contenderA: b.model_a,
    contenderB: b.model_b,
    answerA: null,
    answerB: null,
    winner,
    error: null,
    source: 'human',
    voter: b.judge ?? 'anonymous',
    team: null,
    tags: [],
    language: b.language === undefined ? null : fastChatLanguage(b.language),
    styleA,
    styleB,
    details: null,
  };
}

type ConvMetadata = z.infer<typeof FastChatSchema>['conv_metadata'];
const sumCounts = (c: Record<string, number> | undefined): number => Object.values(c ?? {}).reduce((s, x) => s + x, 0);

/** FastChat's markdown counts of one side (add_markdown_info.py), summed per feature: Saima's style counts. */
function fastChatStyle(m: ConvMetadata, side: 'a' | 'b'): StyleCounts | null {
  const tokens = m?.[`sum_assistant_${side}_tokens`];
  if (typeof tokens !== 'number') return null;
  return { tokens, headers: sumCounts(m![`header_count_${side}`]), lists: sumCounts(m![`list_count_${side}`]), bold: sumCounts(m![`bold_count_${side}`]) };
}

const fastChatLanguage = (name: string): string | null => LANGUAGE_NAMES.get(name.trim().toLowerCase()) ?? normaliseLanguage(name);

/** Without the conversation, the question id stands in for the prompt: same question, same hash. */
const questionPromptHash = (questionId: string): string => hash('sha256', `question:${questionId}`, 'hex');

/**
 * The stored id of an imported battle: from its `id` when given, else from its content. Same input, same id. A
 * content id starts with the battle's time (when the file gives one): files are mostly in time order, so the
 * primary key then grows at its end instead of at random pages, which keeps a million-battle import fast.
 *
 * The id is the import's dedup key: a battle whose id is stored counts as present and is skipped. So the hash must
 * resist a crafted collision, or a file could carry a battle made to take the id of another (one not yet imported)
 * and have that one silently dropped: SHA-256, 128 bits of it (no known way to find a collision short of about 2^64
 * tries). A fast non-cryptographic hash, or SHA-1 or MD5 (collisions made to order are public), would not do, and
 * would not be faster here either: a one-shot digest of a battle's ~150 bytes costs about 0.7 µs, nearly all of it
 * the call, and SHA-1, MD5 and BLAKE2 cost as much or more (measured). A FastChat battle without its conversation
 * hashes twice: this id and the question's stand-in prompt hash above, which hashes the question alone (battles on
 * one question share it); different inputs, so one digest cannot serve as both.
 */
function identity(given: string | undefined, content: unknown[], ts: number | null): string {
  if (given !== undefined) return `battle_${hash('sha256', `id\u0000${given}`, 'hex').slice(0, 32)}`;
  const digest = hash('sha256', `content\u0000${JSON.stringify(content)}`, 'hex').slice(0, 32);
  return ts === null ? `battle_${digest}` : `battle_t${ts.toString(36).padStart(9, '0')}_${digest}`;
}

/**
 * Battles recorded through the API (`POST /v1/arena/battles`): one battle or `{ "data": [...] }` (up to 10,000,
 * stored in one transaction). A key with `arena:vote` records human votes between configured contenders, as
 * itself, now; an admin key may also import history: any contender name, any source and voter, a past `ts`.
 * Prompt and answers are kept as text only when the battle's race captures; otherwise the prompt hash and the
 * answers' style counts are all that remain.
 */
import { z } from 'zod';
import { SaimaError } from '../errors.js';
import { BATTLE_SOURCES, BATTLE_WINNERS, type BattleRecord } from '../store/index.js';
import type { ArenaDeps, Caller } from './arena-deps.js';
import { buildBattle } from './battle.js';
import { normaliseLanguage } from './language.js';

/** Any script (通义千问, GPT-4o, claude-3.5): printable text without control characters or surrounding spaces. */
export const CONTENDER_NAME = /^[^\p{Cc}\s](?:[^\p{Cc}]{0,126}[^\p{Cc}\s])?$/u;
export const MAX_BATTLES_PER_REQUEST = 10_000;

export const TagsSchema = z.array(z.string().trim().min(1).max(64)).max(16).default([]);

export const BattleFieldsSchema = z.object({
  race: z.string().min(1).nullable().optional(),
  prompt: z.string().optional(),
  prompt_hash: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 hex digest').optional(),
  contender_a: z.string().regex(CONTENDER_NAME, 'must be a contender name (1–128 printable characters)'),
  contender_b: z.string().regex(CONTENDER_NAME, 'must be a contender name (1–128 printable characters)'),
  answer_a: z.string().optional(),
  answer_b: z.string().optional(),
  winner: z.enum(BATTLE_WINNERS as [string, ...string[]]),
  source: z.enum(BATTLE_SOURCES as [string, ...string[]]).default('human'),
  voter: z.string().max(128).optional(),
  tags: TagsSchema,
  language: z.string().optional(),
  ts: z.number().int().nonnegative().optional(),
});

const BattleInputSchema = BattleFieldsSchema.strict()
  .refine((b) => b.prompt !== undefined || b.prompt_hash !== undefined, { message: "give 'prompt' or 'prompt_hash'", path: ['prompt'] })
  .refine((b) => b.contender_a !== b.contender_b, { message: 'a contender cannot battle itself', path: ['contender_b'] });

export type BattleInput = z.infer<typeof BattleInputSchema>;

export function parseBattleInputs(body: unknown): BattleInput[] {
  const list = typeof body === 'object' && body !== null && !Array.isArray(body) && 'data' in body ? (body as { data: unknown }).data : [body];
  if (!Array.isArray(list) || list.length === 0) throw new SaimaError('invalid_value', "'data' must be a non-empty array of battles.", 'data');
  if (list.length > MAX_BATTLES_PER_REQUEST) throw new SaimaError('invalid_value', `At most ${MAX_BATTLES_PER_REQUEST} battles per request.`, 'data');
  return list.map((item, k) => {
    const parsed = BattleInputSchema.safeParse(item);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const at = issue.path.join('.');
      throw new SaimaError('invalid_value', `battle ${k}: ${at ? `${at}: ` : ''}${issue.message}`, at || null);
    }
    return parsed.data;
  });
}

/** The fields of a Saima-shaped battle (over HTTP or in an import file) that map one to one onto a record. */
export function battleFields(b: {
  prompt?: string | undefined;
  prompt_hash?: string | undefined;
  contender_a: string;
  contender_b: string;
  answer_a?: string | undefined;
  answer_b?: string | undefined;
  winner: string;
  source: string;
  tags: string[];
}) {
  return {
    prompt: b.prompt ?? null,
    ...(b.prompt_hash ? { promptHash: b.prompt_hash } : {}),
    contenderA: b.contender_a,
    contenderB: b.contender_b,
    answerA: b.answer_a ?? null,
    answerB: b.answer_b ?? null,
    winner: b.winner as BattleRecord['winner'],
    source: b.source as BattleRecord['source'],
    tags: b.tags,
  };
}

export async function recordBattles(deps: Pick<ArenaDeps, 'config' | 'store' | 'now'>, inputs: readonly BattleInput[], caller: Caller): Promise<BattleRecord[]> {
  const now = deps.now();
  const battles = await Promise.all(
    inputs.map(async (b, k) => {
      const race = b.race ? deps.config.races.get(b.race) : undefined;
      if (!caller.admin) {
        if (b.race && !race) throw new SaimaError('not_found', `battle ${k}: no race named '${b.race}'.`, 'race');
        for (const c of [b.contender_a, b.contender_b]) if (!deps.config.contenders.has(c)) throw new SaimaError('invalid_value', `battle ${k}: no contender named '${c}'.`, 'contender');
        if (b.source !== 'human' || b.voter !== undefined || b.ts !== undefined) throw new SaimaError('permission_denied', `battle ${k}: only an admin key may set source, voter or ts.`);
      }
      let language: string | null | undefined;
      if (b.language !== undefined) {
        language = normaliseLanguage(b.language);
        if (language === null) throw new SaimaError('invalid_value', `battle ${k}: language must be a tag like zh or en.`, 'language');
      }
      return buildBattle({
        ...battleFields(b),
        ts: b.ts ?? now,
        race: b.race ?? null,
        capture: race?.capture ?? false,
        voter: b.voter ?? caller.keyId ?? 'anonymous',
        team: caller.team,
        ...(language !== undefined ? { language } : {}),
      });
    }),
  );
  await deps.store.battles.insert(battles);
  return battles;
}

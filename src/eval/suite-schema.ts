/**
 * The suite file's schema (YAML, or JSONL with one item per line): the only source of its shape, and of the JSON
 * Schema `saima eval schema` prints. Objects are strict, so a misspelt key is an error, not a silently ignored field.
 */
import { z } from 'zod';

const text = z.string().min(1, 'must not be empty');
const negate = z.boolean().default(false).describe('Invert the verdict (promptfoo `not-` assertions)');
const weight = z.number().min(0).default(1).describe('Weight in the item\'s score (a weighted mean of its graders, as promptfoo scores a test); the item passes only when every grader passes');

export const ExactGrader = z.object({ type: z.literal('exact'), value: z.string().optional().describe('Default: the item `expected`'), ignore_case: z.boolean().default(false), squash_whitespace: z.boolean().default(true).describe('Trim and collapse inner whitespace first (false: byte-for-byte, as promptfoo equals)'), negate, weight }).strict().describe('The whole answer (trimmed, inner whitespace collapsed unless squash_whitespace is false) equals the expected text');
export const ContainsGrader = z
  .object({ type: z.literal('contains'), value: z.union([z.string(), z.array(z.string()).min(1)]).optional(), ignore_case: z.boolean().default(false), mode: z.enum(['all', 'any']).default('all'), negate, weight })
  .strict()
  .describe('The answer contains the expected text (all or any of a list)');
export const StartsWithGrader = z.object({ type: z.literal('starts-with'), value: z.string().optional(), ignore_case: z.boolean().default(false), trim: z.boolean().default(true).describe('Trim the answer first (false: as promptfoo starts-with)'), negate, weight }).strict().describe('The answer (trimmed unless trim is false) starts with the expected text');
export const RegexGrader = z.object({ type: z.literal('regex'), pattern: z.string().optional().describe('Default: the item `expected`'), flags: z.string().regex(/^[imsu]*$/, 'only i, m, s, u').default(''), negate, weight }).strict().describe('A regular expression finds a match in the answer');
export const NumberGrader = z
  .object({ type: z.literal('number'), tolerance: z.number().min(0).default(1e-6), relative: z.boolean().default(false).describe('Tolerance as a fraction of |expected|'), negate, weight })
  .strict()
  .describe('The final number of the answer (after "answer is", "答案", "####", \\boxed{} when present) equals the expected number');
export const ChoiceGrader = z.object({ type: z.literal('choice'), negate, weight }).strict().describe('The chosen letter (or the one choice text quoted) is the expected letter; twins that shuffle choices recompute the letter');
export const JsonSchemaGrader = z.object({ type: z.literal('json-schema'), schema: z.record(z.string(), z.unknown()).optional().describe('Default: any JSON value'), whole: z.boolean().default(false).describe('The whole answer must be the JSON (no fenced block or JSON inside prose), as promptfoo is-json'), negate, weight }).strict().describe('The answer (or, unless whole is true, its fenced JSON block or first JSON value) parses as JSON and matches the schema');
export const JudgeGrader = z
  .object({
    type: z.literal('judge'),
    rubric: text.describe('What a good answer does; the judge replies with a reason and a final "SCORE: N" line, 0–10'),
    threshold: z.number().min(0).max(1).default(0.5).describe('Pass when SCORE/10 ≥ threshold'),
    contender: z.string().optional().describe('Judge contender; default the run\'s --judge'),
    negate,
    weight,
  })
  .strict()
  .describe('An LLM judge grades by rubric; an unparsable judge reply is an error, never a pass');

export const GraderObject = z.discriminatedUnion('type', [ExactGrader, ContainsGrader, StartsWithGrader, RegexGrader, NumberGrader, ChoiceGrader, JsonSchemaGrader, JudgeGrader]);
export const GRADER_TYPES = ['exact', 'contains', 'starts-with', 'regex', 'number', 'choice', 'json-schema', 'judge'] as const;
export const GraderField = z.union([z.enum(GRADER_TYPES), GraderObject, z.array(z.union([z.enum(GRADER_TYPES), GraderObject])).min(1)]).describe('A grader, its name, or a list that must all pass');

export const MessageSchema = z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.string() }).strict();

export const NumericVar = z.union([
  z.number().describe('Fixed: never resampled'),
  z
    .object({
      value: z.number().describe('The original (published) value'),
      min: z.number().optional(),
      max: z.number().optional(),
      step: z.number().positive().optional().describe('Default 1 for whole numbers, else the precision of `value`'),
      choices: z.array(z.number()).min(2).optional().describe('A finite domain instead of min..max'),
    })
    .strict(),
]);

export const EntitySchema = z
  .object({
    kind: z.enum(['name', 'place']).describe('Which built-in list (in the item language) renames it'),
    value: text.describe('The original text; in a template, the {{slot}} renders it'),
    pool: z.array(text).min(2).optional().describe('Rename from this list instead of the built-in one'),
  })
  .strict();

const LANG = z.enum(['en', 'zh']);

export const AuthoredTwinSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]+$/).optional(),
    prompt: text.optional(),
    messages: z.array(MessageSchema).min(1).optional(),
    question: text.optional(),
    choices: z.array(text).min(2).max(10).optional(),
    vars: z.record(z.string(), z.number()).optional().describe('Template items: new values for the variables'),
    entities: z.record(z.string(), text).optional().describe('Template items: new texts for entity slots'),
    expected: z.unknown().optional().describe('Default: recomputed (templates) or the parent`s'),
  })
  .strict();

export const ItemSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 letters, digits or . _ -'),
    lang: LANG.optional(),
    tags: z.array(text).default([]),
    prompt: text.optional().describe('One user message'),
    messages: z.array(MessageSchema).min(1).optional().describe('A chat; the last user message is what twins rewrite'),
    question: text.optional().describe('Multiple choice: the stem, rendered with lettered `choices`'),
    choices: z.array(text).min(2).max(10).optional(),
    template: text.optional().describe('A user message with {{var}} and {{entity}} slots'),
    vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), NumericVar).optional(),
    conditions: z.array(text).default([]).describe('Expressions every resampled variant must satisfy'),
    answer: text.optional().describe('Expression computing the expected number from the vars'),
    entities: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), EntitySchema).optional(),
    expected: z.unknown().optional(),
    grader: GraderField.optional(),
    pass_threshold: z.number().min(0).max(1).optional().describe('Pass when the weighted score of the graders is at least this, instead of when every grader passes (promptfoo\'s test threshold)'),
    twins: z.array(AuthoredTwinSchema).default([]).describe('Authored private variants; left out of `saima eval publish`'),
  })
  .strict();

export const SuiteSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional().describe('Default: the file name'),
    description: z.string().optional(),
    lang: LANG.default('en'),
    system: z.string().optional().describe('System message before every item'),
    params: z.record(z.string(), z.unknown()).default({}).describe('Request fields for every call, e.g. temperature, max_tokens'),
    grader: GraderField.optional().describe('Default grader of the items'),
    seed: z.number().int().default(0).describe('Seed of every generated twin'),
    twins_per_kind: z.number().int().min(1).max(20).default(1),
    private_twins: z.string().optional().describe('A YAML file mapping item ids to authored twins, kept out of the public suite'),
    items: z.array(ItemSchema).min(1),
  })
  .strict();

export type RawSuite = z.infer<typeof SuiteSchema>;
export type RawItem = z.infer<typeof ItemSchema>;
export type RawTwin = z.infer<typeof AuthoredTwinSchema>;
export type GraderSpec = z.infer<typeof GraderObject>;
export type GraderType = (typeof GRADER_TYPES)[number];
export type NumericVarSpec = z.infer<typeof NumericVar>;
export type EntitySpec = z.infer<typeof EntitySchema>;
export type Message = z.infer<typeof MessageSchema>;

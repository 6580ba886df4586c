/**
 * The judge's prompt: a system message and a user template with `{{question}}`, `{{answer_a}}` and `{{answer_b}}`.
 * The default is bilingual (English, then Chinese) and adapted from MT-Bench's pairwise prompt `pair-v2`
 * (lm-sys/FastChat `fastchat/llm_judge/data/judge_prompts.jsonl`, Apache-2.0), with a fourth verdict, both bad,
 * so a judge can say what Chatbot Arena voters say with "tie (bothbad)". The verdict tokens are the same in both
 * languages, so one parser serves any prompt language.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

export interface JudgePrompt {
  readonly system: string;
  readonly user: string;
}

export const DEFAULT_JUDGE_PROMPT: JudgePrompt = Object.freeze({
  system: [
    'Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. ' +
      "Choose the assistant that follows the user's instructions and answers the user's question better, considering helpfulness, relevance, accuracy, depth, creativity and level of detail. " +
      'Begin by comparing the two responses and give a short explanation. Avoid any position bias: the order in which the responses are presented must not influence your decision. ' +
      'Do not let the length of the responses influence you, and do not favour either assistant by name. Be as objective as possible. ' +
      'Write your explanation in the language of the user question. After it, output your final verdict by strictly following this format: ' +
      '"[[A]]" if assistant A is better, "[[B]]" if assistant B is better, "[[C]]" for a tie, "[[D]]" if both answers are bad.',
    '',
    '请作为公正的评审，评价下面两个 AI 助手对用户问题的回答质量。选择更好地遵循用户指令、更好地回答用户问题的助手，综合考虑有用性、相关性、准确性、深度、创造性和详细程度。' +
      '先比较两个回答并给出简短说明。避免任何位置偏见：回答出现的先后顺序不得影响你的判断。不要让回答的长度影响你的评价，也不要偏向任何助手的名字。尽可能客观。' +
      '请用用户问题所用的语言写说明。说明之后，严格按以下格式给出最终裁决："[[A]]" 表示助手 A 更好，"[[B]]" 表示助手 B 更好，"[[C]]" 表示平局，"[[D]]" 表示两个回答都不好。',
  ].join('\n'),
  user: [
    '[User Question / 用户问题]',
    '{{question}}',
    '',
    "[The Start of Assistant A's Answer / 助手 A 的回答开始]",
    '{{answer_a}}',
    "[The End of Assistant A's Answer / 助手 A 的回答结束]",
    '',
    "[The Start of Assistant B's Answer / 助手 B 的回答开始]",
    '{{answer_b}}',
    "[The End of Assistant B's Answer / 助手 B 的回答结束]",
  ].join('\n'),
});

/** Sent after a reply without a verdict (Arena-Hard-Auto's follow-up, `gen_judgment.py`), in both languages. */
export const VERDICT_REMINDER =
  'Continue your judgment and finish by outputting a final verdict label: [[A]], [[B]], [[C]] or [[D]]. / 请继续评判，并以最终裁决标签结束：[[A]]、[[B]]、[[C]] 或 [[D]]。';

const PLACEHOLDERS = ['question', 'answer_a', 'answer_b'] as const;
const PromptFileSchema = z.object({ system: z.string().default(''), user: z.string().min(1) }).strict();

/**
 * A judge prompt from a file's text: YAML or JSON `{system, user}`, or plain text used as the user template (with
 * no system message). The user template must contain every placeholder.
 */
export function parseJudgePrompt(text: string, source = 'judge prompt'): JudgePrompt {
  let prompt: JudgePrompt;
  let doc: unknown = null;
  try {
    doc = parseYaml(text);
  } catch {
    doc = null;
  }
  if (typeof doc === 'object' && doc !== null && !Array.isArray(doc) && 'user' in doc) {
    const parsed = PromptFileSchema.safeParse(doc);
    if (!parsed.success) throw new Error(`${source}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'file'}: ${i.message}`).join('; ')}`);
    prompt = parsed.data;
  } else {
    prompt = { system: '', user: text };
  }
  const missing = PLACEHOLDERS.filter((p) => !prompt.user.includes(`{{${p}}}`));
  if (missing.length) throw new Error(`${source}: the user template lacks ${missing.map((p) => `{{${p}}}`).join(', ')}`);
  return Object.freeze(prompt);
}

/** Fills the template in one pass, so an answer that itself contains `{{answer_b}}` is never expanded. */
export function renderJudgePrompt(prompt: JudgePrompt, values: { question: string; answerA: string; answerB: string }): Array<{ role: 'system' | 'user'; content: string }> {
  const map: Record<string, string> = { question: values.question, answer_a: values.answerA, answer_b: values.answerB };
  const user = prompt.user.replace(/\{\{(question|answer_a|answer_b)\}\}/g, (_, key: string) => map[key]!);
  return prompt.system ? [{ role: 'system', content: prompt.system }, { role: 'user', content: user }] : [{ role: 'user', content: user }];
}

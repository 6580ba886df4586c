/** The judge prompt: bilingual by default, configurable from a file, placeholders filled once (an answer cannot inject another). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_JUDGE_PROMPT, parseJudgePrompt, renderJudgePrompt } from '../../src/arena/judge-prompt.js';

test('default prompt is bilingual; files are YAML/JSON {system, user} or a text template; filling is one pass', () => {
  assert.match(DEFAULT_JUDGE_PROMPT.system, /impartial judge/);
  assert.match(DEFAULT_JUDGE_PROMPT.system, /公正的评审/);
  for (const v of ['[[A]]', '[[B]]', '[[C]]', '[[D]]']) assert.equal(DEFAULT_JUDGE_PROMPT.system.split(v).length - 1, 2, `${v} in both languages`);

  const messages = renderJudgePrompt(DEFAULT_JUDGE_PROMPT, { question: 'Q?', answerA: 'says {{answer_b}}', answerB: 'second' });
  assert.deepEqual(messages.map((m) => m.role), ['system', 'user']);
  assert.match(messages[1]!.content, /\[User Question \/ 用户问题\]\nQ\?\n/);
  assert.ok(messages[1]!.content.includes('says {{answer_b}}'), 'a placeholder inside an answer stays literal');
  assert.equal(messages[1]!.content.split('second').length - 1, 1);

  const yaml = parseJudgePrompt('system: Be fair.\nuser: "Q: {{question}}\\nA: {{answer_a}}\\nB: {{answer_b}}"\n', 'p.yaml');
  assert.deepEqual(renderJudgePrompt(yaml, { question: 'q', answerA: 'x', answerB: 'y' }), [
    { role: 'system', content: 'Be fair.' },
    { role: 'user', content: 'Q: q\nA: x\nB: y' },
  ]);
  const text = parseJudgePrompt('Compare {{answer_a}} with {{answer_b}} for {{question}}. Reply [[A]] or [[B]].', 'p.txt');
  assert.deepEqual(renderJudgePrompt(text, { question: 'q', answerA: 'x', answerB: 'y' }), [{ role: 'user', content: 'Compare x with y for q. Reply [[A]] or [[B]].' }]);
  assert.throws(() => parseJudgePrompt('Compare {{answer_a}} for {{question}}', 'p.txt'), /p\.txt: the user template lacks \{\{answer_b\}\}/);
  assert.throws(() => parseJudgePrompt('user: 42\nsystem: x\n', 'p.yaml'), /p\.yaml: user/);
});

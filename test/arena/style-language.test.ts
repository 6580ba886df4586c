/** Style counts (markdown outside code, as Arena-Hard-Auto counts them; o200k tokens) and the script-based language guess. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectLanguage } from '../../src/arena/language.js';
import { markdownCounts, styleCounts } from '../../src/arena/style.js';

test('style counts and language detection', async () => {
  const md = '# Title\n## Part\nSome **bold** and __also bold__ text.\n- one\n* two\n  + nested\n1. first\n10. tenth\n```\n# not a header\n- not a list\n**not bold**\n```\n#hashtag is not a header\n';
  assert.deepEqual(markdownCounts(md), { headers: 2, lists: 5, bold: 2 });
  assert.deepEqual(markdownCounts('plain text'), { headers: 0, lists: 0, bold: 0 });
  const s = await styleCounts('Hello world');
  assert.equal(s.tokens, 2);

  const cases: Array<[string, string | null]> = [
    ['What is the capital of France?', 'en'],
    ['法国的首都是哪里？', 'zh'],
    ['请用 Python 写一个 quicksort 函数', 'zh'],
    ['東京の天気はどうですか？', 'ja'],
    ['서울의 날씨는 어때요?', 'ko'],
    ['Какая столица Франции?', 'ru'],
    ['1234 + 5678 = ?', null],
  ];
  for (const [text, lang] of cases) assert.equal(detectLanguage(text), lang, text);
});

/**
 * The monitor's reasons on the races page: a Chinese page says a decision's reason from its stored code, with the
 * code's own numbers; the English page, a decision stored before the codes existed, a manual change and a code the
 * page does not know all show the stored text. Every code the monitor writes has a translation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { en, type MessageKey } from '../../web/src/i18n/en.js';
import { zh } from '../../web/src/i18n/zh.js';
import { decisionReason, frozenReason, sayReason } from '../../web/src/pages/races/reason-text.js';
import { ROOT } from '../support/browser.js';

const translate = (dict: Record<MessageKey, string>) => (key: MessageKey, vars?: Record<string, string | number>) =>
  dict[key].replace(/\{(\w+)\}/g, (m, name: string) => (vars && name in vars ? String(vars[name]) : m));
const tZh = translate(zh);
const tEn = translate(en);
const decision = (reason: string, details: unknown, action = 'rollback') => ({ id: 'd1', ts: 1, race: 'r', action, contender: 'c', reason, details, actor: null });

test('a Chinese page says a monitor decision from its code; English, old rows and manual changes show the stored text', () => {
  const stored = 'guardrail broken: error_rate +0.0900 (bound +0.0420 > +0.0100, p = 0.0031)';
  const coded = decision(stored, { tests: [], reason_code: 'guardrail_broken', reason_params: { metric: 'error_rate', effect: '+0.0900', bound: '+0.0420', cmp: '>', limit: '+0.0100', p: '0.0031' } });
  assert.equal(decisionReason(coded, tZh, 'zh'), '护栏被突破：错误率 +0.0900（界限 +0.0420 > +0.0100，p = 0.0031）');
  assert.equal(decisionReason(coded, tEn, 'en'), stored);
  // A row from before the codes existed, and a manual change (a person's words).
  assert.equal(decisionReason(decision(stored, { tests: [] }), tZh, 'zh'), stored);
  assert.equal(decisionReason(decision('latency regression reported by support', { change: 'rollback', from: 40 }, 'manual'), tZh, 'zh'), 'latency regression reported by support');
  // A code this page does not know yet.
  assert.equal(decisionReason(decision('something new', { reason_code: 'from_the_future', reason_params: {} }), tZh, 'zh'), 'something new');
});

test('notes name metrics and nested reasons in Chinese; a freeze reads from its decision', () => {
  assert.equal(sayReason({ code: 'hold_leaning', params: { weight: 5, metrics: 'p95_latency,error_rate' } }, tZh, 'zh'), '停在 5%：延迟、错误率偏向超出容差（尚不显著）');
  assert.equal(sayReason({ code: 'note_last_waiting', params: { metric: 'feedback', p: 'n/a', pending: 'error_rate' } }, tZh, 'zh'), '最后一步：等待反馈显著更好（p = —），并且错误率被证明在容差之内');
  assert.equal(sayReason({ code: 'note_status', params: { status: 'rolled_back' } }, tZh, 'zh'), '已回滚');
  const spend = 'challengers cost 0.0300 CNY more than the champion would have, past the cap of 0.0200 CNY; ramping frozen';
  const freeze = decision(spend, { reason_code: 'spend_cap', reason_params: { extra: '0.0300', cap: '0.0200' } }, 'freeze');
  const frozen = frozenReason(spend, [freeze], tZh, 'zh');
  assert.equal(frozen, '挑战者比冠军多花了 0.0300 元，超过上限 0.0200 元；放量已冻结');
  assert.equal(sayReason({ code: 'note_blocked', params: { blocked: 'blocked_frozen', reason: spend } }, tZh, 'zh', frozen), `等待：已冻结（${frozen}）`);
});

test('every code the monitor writes has a Chinese sentence', () => {
  const source = readFileSync(join(ROOT, 'src', 'race', 'policies', 'reasons.ts'), 'utf8');
  const codes = [...source.matchAll(/said\('([a-z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length >= 30, `${codes.length} codes`);
  for (const code of codes) assert.ok(`reason.${code}` in zh, `reason.${code} is translated`);
  for (const code of codes) assert.notEqual(sayReason({ code, params: {} }, tZh, 'zh'), null, `${code} is known to the page`);
});

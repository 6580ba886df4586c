/**
 * Scripted answers for the example suite, per simulated contender: for each published item and each twin, the
 * right number with the probability its profile gives for that kind of variant, else a near miss. The choice is a
 * hash of (contender, variant), so every demo run scripts the same answers and the eval runner's cache stays valid.
 * They become ordinary `mock.answers` entries (an anchored, escaped regular expression on the exact question), so
 * the eval runner, twins, graders and gate see nothing but a contender's replies.
 */
import { createHash } from 'node:crypto';
import { loadSuite } from '../eval/suite.js';
import { autoTwinKinds, suiteVariants } from '../eval/twins/index.js';
import type { Variant } from '../eval/variant.js';
import type { DemoProfile } from './profiles.js';

export interface ScriptedAnswer {
  match: string;
  answer: string;
}

/** A number in [0, 1) fixed by the text: the same contender always gets the same variant right or wrong. */
function unit(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function lastUserText(v: Variant): string {
  for (let i = v.messages.length - 1; i >= 0; i--) if (v.messages[i]!.role === 'user') return v.messages[i]!.content;
  return '';
}

function answerLine(v: Variant, n: number): string {
  return v.lang === 'zh' ? `答案：${n}` : `Answer: ${n}`;
}

export function suiteAnswers(suiteFile: string, profile: DemoProfile): ScriptedAnswer[] {
  const suite = loadSuite(suiteFile);
  const { variants } = suiteVariants(suite, autoTwinKinds(suite), suite.seed);
  return variants.map((v) => {
    const expected = Number(v.expected);
    const p = v.kind === 'original' ? profile.originalAccuracy : profile.twinAccuracy;
    const draw = unit(`${profile.contender}\n${v.id}`);
    // A near miss, as a model that pattern-matches the published item would make: off by 1 to 9.
    const value = draw < p ? expected : expected + 1 + Math.floor(unit(`${v.id}\nmiss`) * 9);
    return { match: `^${escapeRegExp(lastUserText(v))}$`, answer: answerLine(v, value) };
  });
}

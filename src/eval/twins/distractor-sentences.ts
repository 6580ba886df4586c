/**
 * Irrelevant but plausible sentences for `distractor` twins: same register as a word problem, often with a number
 * (the point is to tempt a model that pattern-matches on numbers), and never about the quantities a problem asks
 * for. `{name}`, `{place}` and `{n}` are filled from the twin's random stream. Written for Saima.
 */
import type { Lang } from '../suite-types.js';

export const DISTRACTORS: Record<Lang, readonly string[]> = {
  en: [
    "{name}'s neighbour has {n} cats.",
    'The weather in {place} was sunny that day.',
    '{name} has lived in {place} for {n} years.',
    'A bus to {place} leaves every {n} minutes.',
    "{name}'s favourite colour is green.",
    'The library in {place} opens at {n} in the morning.',
    '{name} once read a book with {n} chapters.',
    'There is a park near the school in {place}.',
    "{name}'s cousin is learning to play the piano.",
    'The old bridge in {place} is {n} metres long.',
    '{name} usually drinks tea in the afternoon.',
    'A festival is held in {place} every spring.',
    "{name}'s bicycle is painted blue.",
    'The town museum has {n} paintings on display.',
    '{name} walked past a bakery on the way.',
    'It had rained for {n} days the week before.',
  ],
  zh: [
    '{name}的邻居养了{n}只猫。',
    '那天{place}的天气很晴朗。',
    '{name}在{place}已经住了{n}年。',
    '去{place}的公交车每{n}分钟一班。',
    '{name}最喜欢的颜色是绿色。',
    '{place}的图书馆早上{n}点开门。',
    '{name}曾经读过一本有{n}章的书。',
    '{place}的学校附近有一座公园。',
    '{name}的表哥正在学钢琴。',
    '{place}那座老桥长{n}米。',
    '{name}下午通常喝茶。',
    '{place}每年春天都会举办节日活动。',
    '{name}的自行车是蓝色的。',
    '镇上的博物馆展出了{n}幅画。',
    '{name}路上经过了一家面包店。',
    '上周已经连续下了{n}天雨。',
  ],
};

/** The language and translate-function types, apart from the React context so plain modules (and tests) can use them. */
import type { MessageKey } from './en.js';

export type Lang = 'en' | 'zh';
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

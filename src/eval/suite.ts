/**
 * Loading suites: YAML (a suite document, or a promptfoo config), or JSONL with one item per line. Phases as for
 * the config: read → parse → validate (zod, strict) → link (graders, templates, private twins) → freeze. Every
 * problem reads `file: items[3].grader: problem`.
 */
import { extname } from 'node:path';
import { EvalError } from './eval-error.js';
import { isPromptfooConfig, suiteFromPromptfoo } from './promptfoo.js';
import { buildSuite, suiteNameOf } from './suite-build.js';
import { parseYamlText, readText } from './suite-io.js';
import type { Suite } from './suite-types.js';

/** Reads a suite file; a promptfoo config (`prompts` + `tests`) is converted into a suite. */
export function loadSuite(file: string): Suite {
  const text = readText(file, 'suite');
  let doc: unknown;
  if (extname(file).toLowerCase() === '.jsonl') {
    const items = text.split('\n').flatMap((line, i) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        throw new EvalError(`${file}: line ${i + 1}: invalid JSON`);
      }
    });
    doc = { name: suiteNameOf(file), items };
  } else {
    doc = parseYamlText(text, file);
    if (isPromptfooConfig(doc)) return suiteFromPromptfoo(doc, file, text);
  }
  return buildSuite(doc, file, text);
}

/**
 * `saima eval publish`: the public copy of a suite, with every authored twin and the `private_twins` reference
 * removed, comments and layout kept (YAML is edited as a document, not re-serialised from data).
 */
import { extname } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { EvalError } from './eval-error.js';
import { readText } from './suite-io.js';

export function publicCopy(file: string): { text: string; removed: number } {
  const text = readText(file, 'suite');
  let removed = 0;
  if (extname(file).toLowerCase() === '.jsonl') {
    const lines = text.split('\n').map((line) => {
      if (line.trim() === '') return line;
      const item = JSON.parse(line) as Record<string, unknown>;
      if (Array.isArray(item.twins)) removed += item.twins.length;
      delete item.twins;
      return JSON.stringify(item);
    });
    return { text: lines.join('\n'), removed };
  }
  const doc = parseDocument(text);
  if (doc.errors.length) throw new EvalError(`${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  if (doc.has('private_twins')) doc.delete('private_twins');
  const items = doc.get('items');
  if (isSeq(items)) {
    for (const item of items.items) {
      if (!isMap(item)) continue;
      const twins = item.get('twins');
      if (isSeq(twins)) removed += twins.items.length;
      item.delete('twins');
    }
  }
  return { text: doc.toString(), removed };
}

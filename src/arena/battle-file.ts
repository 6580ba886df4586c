/**
 * Reads a battle file as a stream of JSON values with the line each starts on: JSON Lines (one battle per line), or
 * one JSON array of battles (FastChat's `clean_battle_*.json` export). The array is split into its elements by a
 * scanner that tracks strings and nesting, so neither form is ever held in memory whole. Values come in runs, one
 * per chunk read (1 MiB of text): a million-line file is a few hundred awaits, not a million.
 */
import { createReadStream } from 'node:fs';

/** The values that start in one chunk of the file, in order; `lines[k]` is where `values[k]` starts. */
export interface FileValues {
  values: unknown[];
  lines: number[];
}

export class BattleFileError extends Error {}

/** One battle's text may not exceed this: a file without line breaks must not grow memory without bound. */
export const MAX_BATTLE_CHARS = 16 * 1024 * 1024;

export async function* battleFileRuns(file: string): AsyncGenerator<FileValues> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<string>;
  // Peek at the first non-blank character to tell an array from JSON Lines, then replay what was read.
  const head: string[] = [];
  let first = '';
  for (;;) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    const m = /\S/.exec(r.value);
    if (m) {
      first = m[0];
      break;
    }
  }
  try {
    if (first === '[') yield* arrayElements(file, replayed(head, it));
    else if (first !== '') yield* jsonLines(file, replayed(head, it));
  } finally {
    stream.destroy();
  }
}

/** The chunks peeked at (`head`), then the rest of `it`. */
async function* replayed(head: readonly string[], it: AsyncIterator<string>): AsyncGenerator<string> {
  yield* head;
  for (;;) {
    const r = await it.next();
    if (r.done) return;
    yield r.value;
  }
}

async function* jsonLines(file: string, chunks: AsyncIterable<string>): AsyncGenerator<FileValues> {
  let line = 0;
  let rest = '';
  const parseInto = (run: FileValues, text: string): void => {
    line++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      if (text.trim() === '') return;
      throw new BattleFileError(`${file}:${line}: not valid JSON`);
    }
    run.values.push(value);
    run.lines.push(line);
  };
  for await (const chunk of chunks) {
    const text = rest + chunk;
    const run: FileValues = { values: [], lines: [] };
    let from = 0;
    try {
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
        parseInto(run, text.slice(from, nl));
        from = nl + 1;
      }
    } catch (err) {
      // The battles before the bad line go first, so an invalid battle earlier in the file is the one named.
      if (run.values.length) yield run;
      throw err;
    }
    rest = text.slice(from);
    if (rest.length > MAX_BATTLE_CHARS) throw new BattleFileError(`${file}:${line + 1}: a line longer than ${MAX_BATTLE_CHARS} characters`);
    if (run.values.length) yield run;
  }
  if (rest !== '') {
    const run: FileValues = { values: [], lines: [] };
    parseInto(run, rest);
    if (run.values.length) yield run;
  }
}

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COMMA = 0x2c;

/** The elements of one top-level JSON array, each parsed on its own. */
async function* arrayElements(file: string, chunks: AsyncIterable<string>): AsyncGenerator<FileValues> {
  let depth = 0; // 1 = inside the top-level array
  let inString = false;
  let escaped = false;
  let line = 1;
  let startLine = 0;
  let carry = ''; // the current element's text from earlier chunks
  let closed = false;
  const fail = (msg: string): never => {
    throw new BattleFileError(`${file}:${line}: ${msg}`);
  };
  for await (const text of chunks) {
    const run: FileValues = { values: [], lines: [] };
    let start = carry || depth > 1 ? 0 : -1; // where the current element starts in this chunk
    try {
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c === NEWLINE) line++;
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
          continue;
        }
        if (c === 0x20 || c === 0x09 || c === 0x0d || c === NEWLINE) continue;
        if (closed) fail('text after the end of the array');
        if (depth === 0) {
          if (c !== OPEN_BRACKET) fail('expected a JSON array of battles');
          depth = 1;
          continue;
        }
        if (depth === 1) {
          if (c === COMMA) continue;
          if (c === CLOSE_BRACKET) {
            depth = 0;
            closed = true;
            continue;
          }
          if (c !== OPEN_BRACE) fail('each element of the array must be a battle object');
          start = i;
          startLine = line;
          depth = 2;
          continue;
        }
        if (c === QUOTE) inString = true;
        else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
        else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
          depth--;
          if (depth === 1) {
            const body = carry + text.slice(start, i + 1);
            carry = '';
            start = -1;
            let value: unknown;
            try {
              value = JSON.parse(body);
            } catch {
              throw new BattleFileError(`${file}:${startLine}: not valid JSON`);
            }
            run.values.push(value);
            run.lines.push(startLine);
          }
        }
      }
    } catch (err) {
      // The battles before the bad text go first, so an invalid battle earlier in the file is the one named.
      if (run.values.length) yield run;
      throw err;
    }
    if (depth > 1) carry += text.slice(Math.max(0, start));
    if (carry.length > MAX_BATTLE_CHARS) throw new BattleFileError(`${file}:${startLine}: a battle longer than ${MAX_BATTLE_CHARS} characters`);
    if (run.values.length) yield run;
  }
  if (!closed) fail(depth === 0 ? 'empty file' : 'the array is not closed (file cut short?)');
}

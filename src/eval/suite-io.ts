/** Reading and parsing suite files, with problems worded as `file: path: problem`. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { formatPath } from '../config/load.js';
import { EvalError } from './eval-error.js';

export function readText(file: string, what = 'file'): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new EvalError(`${file}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function parseYamlText(text: string, file: string): unknown {
  try {
    return parseYaml(text);
  } catch (err) {
    throw new EvalError(`${file}: invalid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

export function zodProblems(error: z.ZodError, prefix: PropertyKey[] = []): string[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') return `${path}: unknown key ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${path}: is required`;
    return `${path}: ${issue.message}`;
  });
}

/** The demo starts from an empty SQLite file every time, so its story never mixes with earlier runs or user data. */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function freshSqliteStore(file: string): string {
  const path = resolve(file);
  mkdirSync(dirname(path), { recursive: true });
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  return `sqlite:${path}`;
}

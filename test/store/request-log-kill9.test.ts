/**
 * SQLite durability of the request log: a process killed with SIGKILL mid-load loses no row whose append had
 * resolved (WAL + synchronous=NORMAL: committed frames are in the OS page cache, which outlives the process).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { storeUrlFor } from '../support/databases.js';

const CHILD = fileURLToPath(new URL('./kill9-writer.ts', import.meta.url));

test('every append that resolved before kill -9 is in the SQLite file', async (t) => {
  const url = await storeUrlFor('sqlite', t);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill('SIGKILL'));
  const committed: string[] = [];
  let buf = '';
  const exited = new Promise((r) => child.once('exit', r));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!; // a line cut by the kill is not a confirmed commit
      for (const line of lines) if (line !== 'ready') committed.push(line);
      if (committed.length >= 2000) resolve();
    });
    child.once('exit', () => reject(new Error('writer exited early')));
  });
  child.kill('SIGKILL');
  await exited;
  const db = new Database(url.slice('sqlite:'.length), { readonly: true });
  t.after(() => db.close());
  const stmt = db.prepare('select 1 from requests where id = ?');
  const missing = committed.filter((id) => !stmt.get(id));
  assert.ok(committed.length >= 2000);
  assert.deepEqual(missing, [], `${missing.length} of ${committed.length} committed rows missing after kill -9`);
  const total = (db.prepare('select count(*) as n from requests').get() as { n: number }).n;
  assert.ok(total >= committed.length);
});

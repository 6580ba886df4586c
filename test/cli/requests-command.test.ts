/**
 * `saima requests` lists the request log from the CLI, filtered like `GET /admin/requests`: `--protocol` takes the
 * same front doors, and a bad one is refused in the API's own words, on one line, with a non-zero exit.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';

test('saima requests --protocol lists one front door of a real gateway; a bad value is one line and a non-zero exit, as the API says it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-requests-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const doc = { store: `sqlite:${join(dir, 's.db')}`, contenders: { m: mockContender('m') }, races: { assistant: { champion: 'm' } } };
  const cfg = join(dir, 'saima.json');
  writeFileSync(cfg, JSON.stringify(doc));
  const gw = await startServer(buildConfig({ ...doc, server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' } }, {}), { logger: false });
  t.after(() => gw.close());
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });

  // One request through each front door, two through the Responses API.
  const ids = new Map<string, string[]>();
  const note = (protocol: string, id: string | null) => ids.set(protocol, [...(ids.get(protocol) ?? []), id!]);
  note('chat', (await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'Hi' }] }).withResponse()).response.headers.get('x-saima-request-id'));
  const messages = await fetch(`${gw.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'assistant', max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }) });
  assert.equal(messages.status, 200);
  note('messages', messages.headers.get('x-saima-request-id'));
  for (const input of ['One', 'Two']) note('responses', (await client.responses.create({ model: 'assistant', input }).withResponse()).response.headers.get('x-saima-request-id'));
  note('embeddings', (await client.embeddings.create({ model: 'assistant', input: 'Hi' }).withResponse()).response.headers.get('x-saima-request-id'));

  const list = async (...args: string[]) => {
    const run = await runCli(['requests', '--json', '--config', cfg, ...args]);
    assert.equal(run.code, 0, run.stderr);
    return (JSON.parse(run.stdout) as { data: Array<{ id: string; protocol: string; object: string }> }).data;
  };
  assert.equal((await list()).length, 5);
  for (const [protocol, expected] of ids) {
    const rows = await list('--protocol', protocol);
    assert.deepEqual(rows.map((r) => r.id).sort(), [...expected].sort(), protocol);
    assert.ok(rows.every((r) => r.protocol === protocol && r.object === 'request'));
    // The API's filter gives the same rows.
    const api = (await (await fetch(`${gw.url}/admin/requests?protocol=${protocol}`)).json()) as { data: Array<{ id: string }> };
    assert.deepEqual(api.data.map((r) => r.id).sort(), rows.map((r) => r.id).sort());
  }
  // As a table: one line per row under the header.
  const table = await runCli(['requests', '--protocol', 'responses', '--config', cfg]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^time\s+id\s+protocol\s+race\s+contender\s+outcome/);
  assert.equal(lines.length, 2 + 2);
  assert.ok(lines.slice(2).every((l) => / responses +assistant +m +ok +200 /.test(l)), table.stdout);

  // A front door that does not exist: the API's 400 and the CLI's one line say the same.
  const api = await fetch(`${gw.url}/admin/requests?protocol=grpc`);
  assert.equal(api.status, 400);
  const said = ((await api.json()) as { error: { message: string; param: string } }).error;
  assert.equal(said.param, 'protocol');
  const bad = await runCli(['requests', '--protocol', 'grpc', '--config', cfg]);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stdout, '');
  assert.equal(bad.stderr, `saima: ${said.message}\n`);
  assert.match(bad.stderr, /'protocol' must be one of chat, messages, responses, embeddings\./);
});

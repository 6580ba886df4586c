/**
 * `auth: none` listens on loopback only, judged on the address the listener really gets: the config's host, the
 * `--host` flag (which wins), a host taken from the environment through the config, IPv4 and IPv6 wildcards, and an
 * address of a real non-loopback interface are all checked before anything listens. Before, the check read the
 * config's host while the listener used the flag's, so `--host 0.0.0.0` served an anonymous admin API everywhere.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { buildConfig } from '../../src/config/load.js';
import { startServer } from '../../src/server/index.js';
import { runCli } from '../support/cli.js';
import { mockContender } from '../support/gateway.js';

function tempStore(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'saima-listen-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return `sqlite:${join(dir, 'saima.db')}`;
}

const doc = (t: TestContext, host: string, auth = 'none') => ({
  server: { host, port: 0 },
  auth: { mode: auth },
  store: tempStore(t),
  contenders: { m: mockContender('m') },
});

/** An address of this machine that is not loopback (the interface the machine reaches its network through). */
function interfaceAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  throw new Error('this machine has no non-loopback IPv4 interface to test with');
}

async function refused(t: TestContext, config: ReturnType<typeof buildConfig>, host?: string): Promise<void> {
  let started: Awaited<ReturnType<typeof startServer>> | null = null;
  await assert.rejects(
    (async () => {
      started = await startServer(config, { logger: false, env: {}, ...(host !== undefined ? { host } : {}) });
    })(),
    /auth\.mode none is only allowed when the gateway listens on loopback/,
  );
  t.after(() => (started as { close(): Promise<void> } | null)?.close());
}

test('auth none: every non-loopback address is refused, however it is given', async (t) => {
  const nic = interfaceAddress();
  // The flag wins over a loopback config (the critical case).
  await refused(t, buildConfig(doc(t, '127.0.0.1'), {}), '0.0.0.0');
  await refused(t, buildConfig(doc(t, '127.0.0.1'), {}), '::');
  await refused(t, buildConfig(doc(t, '127.0.0.1'), {}), nic);
  // The config alone.
  await refused(t, buildConfig(doc(t, '0.0.0.0'), {}));
  await refused(t, buildConfig(doc(t, '::'), {}));
  await refused(t, buildConfig(doc(t, nic), {}));
  // A host taken from the environment through the config's ${VAR}.
  await refused(t, buildConfig(doc(t, '${HOST}'), { HOST: '0.0.0.0' }));
  // A name is judged by every address it resolves to.
  await refused(t, buildConfig(doc(t, '127.0.0.1'), {}), 'no-such-host.invalid');
});

test('auth none: loopback addresses listen; with keys any address may', async (t) => {
  for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
    const gw = await startServer(buildConfig(doc(t, '0.0.0.0'), {}), { logger: false, env: {}, host });
    t.after(() => gw.close());
    const res = await fetch(`${gw.url}/health`);
    assert.equal(res.status, 200, host);
  }
  const keyed = await startServer(buildConfig(doc(t, '0.0.0.0', 'keys'), {}), { logger: false, env: {} });
  t.after(() => keyed.close());
  const anonymous = await fetch(`${keyed.url.replace('0.0.0.0', '127.0.0.1')}/admin/keys`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"team":"x"}' });
  assert.equal(anonymous.status, 401, 'a gateway with keys asks for one on every address');
});

test('saima serve --host 0.0.0.0 with auth none exits with one clear line and never listens', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'saima-listen-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, ['server: { host: 127.0.0.1, port: 0 }', `store: "sqlite:${join(dir, 'saima.db')}"`, 'auth: { mode: none }', 'contenders:', '  m: { provider: mock, model: m, price: { input: 1, output: 1 } }'].join('\n'));
  const r = await runCli(['serve', '--config', cfg, '--host', '0.0.0.0']);
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.stderr + r.stdout, /listening on/);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /auth\.mode none is only allowed when the gateway listens on loopback, not on 0\.0\.0\.0/);
});

/**
 * Every example in README.md and docs/*.md runs as written. Each fenced block tagged `sh`, `yaml` or `ts` is found
 * by file and line:
 * - YAML is a config or a piece of one: it must pass `saima config check`'s validation once merged into the docs'
 *   config (below), whose contenders are the names the docs use. A Kubernetes manifest's config map is checked the
 *   same way.
 * - Shell runs with `bash -e` in a folder that holds that config as `saima.yaml` and the repository's `examples/`,
 *   with `saima` on the PATH, against two started gateways: `examples/saima.yaml` (auth none; the README's
 *   `http://127.0.0.1:8787` points at it) and `saima.yaml` (keys; `$SAIMA` is its URL, `$KEY` its admin key).
 * - TypeScript runs with tsx against the README's gateway, `SAIMA_KEY` unset as a newcomer has it.
 * A block that cannot run offline or at all in a test is preceded by `<!-- example: skip — reason -->`; the skipped
 * ones are listed, and the list must stay short.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { stringify } from 'yaml';
import { buildConfig } from '../../src/config/load.js';
import { PRESETS } from '../../src/config/presets.js';
import { CLI_ARGS, serveChild } from '../support/cli.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAX_SKIPPED = 9;

interface Example {
  where: string;
  lang: string;
  code: string;
  skip: string | null;
}

function examples(): Example[] {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const out: Example[] = [];
  for (const file of files) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w+)\s*$/.exec(lines[i]!);
      if (!open) continue;
      const end = lines.indexOf('```', i + 1);
      const marker = /^<!-- example: skip — (.+) -->$/.exec(lines[i - 1] ?? '');
      if (['sh', 'yaml', 'ts'].includes(open[1]!)) out.push({ where: `${file}:${i + 1}`, lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), skip: marker?.[1] ?? null });
      i = end;
    }
  }
  return out;
}

/** Every contender name the docs use, as simulators, and the race they race in. */
const DOCS_CONFIG = {
  server: { host: '127.0.0.1', port: 0 },
  auth: { mode: 'keys' },
  store: 'sqlite:.saima/saima.db',
  contenders: Object.fromEntries(
    ['deepseek-chat', 'qwen-plus', 'qwen-max', 'small-model', 'judge-4o', 'house-model', 'outside-model', 'local', 'a', 'b', 'c'].map((name) => [
      name,
      // The judge ends its verdict as a judge must ([[C]]: a tie); the others answer briefly.
      { provider: 'mock', model: name, price: { input: 2, output: 8, currency: 'CNY' }, mock: { latency_ms: 1, ttft_ms: 1, tokens_per_s: 5000, default_answer: name === 'judge-4o' ? 'Both are fine. [[C]]' : `An answer from ${name}.` } },
    ]),
  ),
  races: { assistant: { champion: 'deepseek-chat', challengers: [{ contender: 'qwen-plus', weight: 10 }] } },
};

/** Vendor key variables the presets read, and the passwords the deploy examples interpolate. */
const DOCS_ENV: Record<string, string> = {
  ...Object.fromEntries(Object.values(PRESETS).flatMap((p) => (p.keyEnv ? [[p.keyEnv, 'sk-docs-example-key']] : []))),
  PGPASSWORD: 'docs-password',
  REDIS_PASSWORD: 'docs-password',
};

/** A config piece merged into the docs config: each contender, race, budget or team it names replaces the docs' one. */
function merged(piece: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(DOCS_CONFIG);
  for (const [key, value] of Object.entries(piece)) {
    const base = out[key];
    out[key] = base && typeof base === 'object' && value && typeof value === 'object' && !Array.isArray(value) ? { ...(base as object), ...(value as object) } : value;
  }
  return out;
}

test('every YAML example is a valid config, or a valid piece of one', () => {
  const checked: string[] = [];
  for (const ex of examples().filter((e) => e.lang === 'yaml' && !e.skip)) {
    const docs = parseAllDocuments(ex.code);
    for (const doc of docs) assert.equal(doc.errors.length, 0, `${ex.where}: ${doc.errors[0]?.message}`);
    const values = docs.map((d) => d.toJS() as Record<string, unknown>);
    // A Kubernetes manifest: its config map holds the config.
    const pieces = values.some((v) => 'apiVersion' in v)
      ? values.flatMap((v) => (v.kind === 'ConfigMap' ? Object.values(v.data as Record<string, string>).map((text) => parseAllDocuments(text)[0]!.toJS() as Record<string, unknown>) : []))
      : values;
    assert.ok(pieces.length > 0, `${ex.where}: nothing to check`);
    for (const piece of pieces) {
      try {
        buildConfig(merged(piece), DOCS_ENV, join(ROOT, 'saima.yaml'));
      } catch (err) {
        assert.fail(`${ex.where}: ${(err as Error).message}`);
      }
    }
    checked.push(ex.where);
  }
  assert.ok(checked.length >= 8, `${checked.length} YAML examples checked`);
});

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` });
    });
  });
}

async function workspace(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), 'saima-docs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'examples'), join(dir, 'examples'), { recursive: true });
  writeFileSync(join(dir, 'saima.yaml'), stringify(DOCS_CONFIG));
  // `saima` on the PATH, as `npm install -g .` puts it there.
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'saima'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${CLI_ARGS.map((a) => JSON.stringify(a)).join(' ')} "$@"\n`);
  chmodSync(join(bin, 'saima'), 0o755);
  const adminKey = 'sk-saima-docs-0123456789abcdefghijklmnopqrstuvwxyz';
  // The README's gateway: examples/saima.yaml on a free port instead of 8787.
  const exampleConfig = join(dir, 'examples', 'saima.yaml');
  writeFileSync(exampleConfig, readFileSync(exampleConfig, 'utf8').replace(/port: 8787/, 'port: 0'));
  const readme = await serveChild(t, exampleConfig);
  const docs = await serveChild(t, join(dir, 'saima.yaml'), { env: { SAIMA_ADMIN_KEY: adminKey } });
  const env: NodeJS.ProcessEnv = { ...process.env, ...DOCS_ENV, PATH: `${bin}:${process.env.PATH}`, SAIMA: docs.url, KEY: adminKey };
  delete env.SAIMA_KEY;
  delete env.NODE_ENV;
  return { dir, env, readmeUrl: readme.url, docsUrl: docs.url };
}

test('every shell and TypeScript example runs as written', async (t) => {
  const all = examples();
  const skipped = all.filter((e) => e.skip);
  t.diagnostic(`skipped: ${skipped.map((e) => `${e.where} (${e.skip})`).join('; ')}`);
  assert.ok(skipped.length <= MAX_SKIPPED, `${skipped.length} examples skipped: ${skipped.map((e) => e.where).join(', ')}`);
  const ws = await workspace(t);
  const failures: string[] = [];
  let ran = 0;
  for (const ex of all.filter((e) => (e.lang === 'sh' || e.lang === 'ts') && !e.skip)) {
    const url = ex.where.startsWith('README') ? ws.readmeUrl : ws.docsUrl;
    const code = ex.code.replaceAll('http://127.0.0.1:8787', url);
    const r =
      ex.lang === 'sh'
        ? await run('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd: ws.dir, env: ws.env, timeoutMs: 120_000 })
        : await (async () => {
            // Inside the checkout, so that `import OpenAI from 'openai'` resolves as in a project that installed it.
            const file = join(ROOT, 'test-results', `docs-example-${process.pid}-${ran}.mts`);
            mkdirSync(join(ROOT, 'test-results'), { recursive: true });
            t.after(() => rmSync(file, { force: true }));
            writeFileSync(file, `${code}\nconsole.log(JSON.stringify(typeof answer === 'undefined' ? null : answer).slice(0, 200));\n`);
            return run(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), file], { cwd: ROOT, env: ws.env, timeoutMs: 60_000 });
          })();
    ran++;
    if (r.code !== 0) failures.push(`${ex.where} exited ${r.code}: ${r.out.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
  }
  assert.deepEqual(failures, []);
  assert.ok(ran >= 8, `${ran} examples ran`);
});

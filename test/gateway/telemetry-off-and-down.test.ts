/**
 * Telemetry costs nothing when off and cannot hurt requests when on: a `saima serve` process without it never
 * loads a module of the OpenTelemetry SDK or its exporters (the module URLs it resolves are recorded), one with the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT variable loads it and flushes its spans when SIGTERM stops it; and a collector that
 * refuses connections or accepts and never answers neither fails nor slows requests, nor holds the shutdown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serveChild } from '../support/cli.js';
import { mockContender, startTestGateway } from '../support/gateway.js';
import { deadCollectorUrl, startOtlpReceiver } from '../support/otlp-receiver.js';

const RECORDER = fileURLToPath(new URL('../support/record-modules.mjs', import.meta.url));

/** Starts `saima serve` with the module recorder, makes one chat call, stops it with SIGTERM; returns the modules. */
async function serveOnce(t: TestContext, env: NodeJS.ProcessEnv): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'saima-otel-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cfg = join(dir, 'saima.yaml');
  writeFileSync(cfg, JSON.stringify({
    server: { host: '127.0.0.1', port: 0 }, auth: { mode: 'none' }, store: `sqlite:${join(dir, 'saima.db')}`,
    contenders: { m: { provider: 'mock', model: 'm' } }, races: { r: { champion: 'm' } },
  }));
  const modulesFile = join(dir, 'modules.txt');
  const child = await serveChild(t, cfg, {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '', OTEL_SDK_DISABLED: '',
      ...env,
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${RECORDER}`.trim(),
      SAIMA_TEST_MODULES_FILE: modulesFile,
    },
  });
  const res = await fetch(`${child.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'r', messages: [{ role: 'user', content: 'hi' }] }) });
  assert.equal(res.status, 200);
  await res.text();
  child.child.kill('SIGTERM');
  assert.equal(await child.exited, 0, child.output());
  return readFileSync(modulesFile, 'utf8').split('\n');
}

test('off: a serving gateway never loads a module of the OpenTelemetry SDK; on by OTEL_EXPORTER_OTLP_ENDPOINT: it loads the SDK and SIGTERM flushes the spans', async (t) => {
  const off = await serveOnce(t, {});
  assert.ok(off.some((u) => /\/gateway\/routes\/chat\.(js|ts)$/.test(u)), 'the recorder saw the gateway load');
  // prom-client (the /metrics endpoint) requires the no-op @opentelemetry/api itself, on or off: only the API.
  const sdk = (u: string): boolean => (u.includes('/@opentelemetry/') && !u.includes('/@opentelemetry/api/')) || u.includes('/telemetry/telemetry.');
  assert.deepEqual(off.filter(sdk), [], 'no module of the SDK, its exporters or our telemetry loaded');

  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const on = await serveOnce(t, { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SERVICE_NAME: 'saima-test', OTEL_EXPORTER_OTLP_HEADERS: 'x-team=platform%20ops,authorization=Bearer%20collector-token' });
  assert.ok(on.some((u) => u.includes('/@opentelemetry/sdk-trace/')) && on.some((u) => u.includes('/@opentelemetry/otlp-exporter-base/')), 'the SDK is loaded when on');
  const server = otlp.spans().filter((s) => s.kind === 2);
  assert.equal(server.length, 1, 'the one request was exported before the process exited');
  assert.equal(server[0]!.name, 'chat r');
  assert.equal(server[0]!.resource['service.name'], 'saima-test');
  assert.equal(otlp.spans().filter((s) => s.kind === 3 && s.parentSpanId === server[0]!.spanId).length, 1);
  const sent = otlp.headers().find((h) => h['x-team'] !== undefined);
  assert.equal(sent?.['x-team'], 'platform ops', 'OTEL_EXPORTER_OTLP_HEADERS, percent-decoded');
  assert.equal(sent?.authorization, 'Bearer collector-token');
});

for (const collector of ['refusing', 'hanging'] as const) {
  test(`a ${collector} collector neither fails nor slows requests, and the shutdown does not wait for it`, async (t) => {
    const hang = collector === 'hanging' ? await startOtlpReceiver({ mode: 'hang' }) : null;
    if (hang) t.after(() => hang.close());
    const endpoint = hang?.url ?? (await deadCollectorUrl());
    const { client, gw } = await startTestGateway(t, {
      telemetry: { otlp: { endpoint } },
      contenders: { m: mockContender('m') },
      races: { r: { champion: 'm' } },
    });
    // 600 requests: 1,200 spans, past the 512 a batch holds, so exports start while requests are still coming.
    const latencies: number[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < 600) {
        const i = next++;
        const t0 = performance.now();
        const out = await client.chat.completions.create({ model: 'r', messages: [{ role: 'user', content: `hi ${i}` }], stream: i % 2 === 0 });
        if (i % 2 === 0) for await (const _ of out as AsyncIterable<unknown>);
        latencies.push(performance.now() - t0);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    assert.equal(latencies.length, 600, 'every request answered');
    latencies.sort((a, b) => a - b);
    const p50 = latencies[300]!;
    const max = latencies.at(-1)!;
    // The simulator answers at once. A request that waited for an export would wait out the exporter's 5 s timeout
    // (hanging) or its retries (refusing); the bounds leave room for a loaded two-core machine, not for that.
    assert.ok(p50 < 250, `median request ${p50.toFixed(1)} ms`);
    assert.ok(max < 4_500, `slowest request ${max.toFixed(0)} ms (p50 ${p50.toFixed(1)} ms)`);
    if (hang) assert.ok(hang.hits() > 0, 'exports were attempted while requests ran');
    const t0 = performance.now();
    await gw.close();
    const closeMs = performance.now() - t0;
    assert.ok(closeMs < 6_000, `shutdown took ${closeMs.toFixed(0)} ms with a ${collector} collector`);
  });
}

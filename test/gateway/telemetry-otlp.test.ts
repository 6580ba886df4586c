/**
 * OpenTelemetry through a started gateway: the official `openai` client calls races behind it, fake OpenAI
 * upstreams answer over loopback, and a real OTLP/HTTP receiver gets what the SDK exports (JSON). Checked: span
 * names, kinds and GenAI attributes, parent/child links, an incoming traceparent honoured and each attempt's
 * trace context seen by the upstream, the GenAI metrics, and no prompt or answer text unless the race captures it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { startTestGateway } from '../support/gateway.js';
import { startOtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const SERVER = 2;
const CLIENT = 3;
const INTERNAL = 1;

function contender(url: string, model: string, extra: Record<string, unknown> = {}) {
  return { provider: 'openai', base_url: url, api_key: 'sk-upstream-secret-key-0001', model, price: { input: 1, output: 2 }, retry: { max_retries: 0, base_ms: 10, max_ms: 100 }, ...extra };
}

/** W3C traceparent parts: version, trace id, parent span id, flags. */
function traceparent(header: unknown): { traceId: string; parentId: string; flags: string } {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(header));
  assert.ok(m, `a W3C traceparent, got ${String(header)}`);
  return { traceId: m[1]!, parentId: m[2]!, flags: m[3]! };
}

test('spans and GenAI metrics of real requests reach an OTLP/HTTP receiver: server span per request, client span per attempt, traceparent honoured and sent upstream, no text without capture', async (t) => {
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const up = await startFakeOpenAI({ answer: 'ANSWER-never-exported-7781', usage: { prompt_tokens: 12, completion_tokens: 5 }, model: 'up-model-2026-01-01' });
  t.after(() => up.close());
  const { client, gw } = await startTestGateway(t, {
    telemetry: { otlp: { endpoint: otlp.url, headers: { 'x-collector-key': 'collector-secret-1' } } },
    contenders: { champ: contender(up.url, 'champ-model'), backup: contender(up.url, 'backup-model') },
    races: { assistant: { champion: 'champ', fallbacks: ['backup'], capture: false } },
  });
  const prompt = 'PROMPT-never-exported-4412';

  // 1. Non-streamed, under the client's own trace.
  const incomingTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
  const incomingSpan = '00f067aa0ba902b7';
  const plain = await client.chat.completions.create(
    { model: 'assistant', messages: [{ role: 'user', content: prompt }] },
    { headers: { traceparent: `00-${incomingTrace}-${incomingSpan}-01` } },
  ).withResponse();
  const plainId = plain.response.headers.get('x-saima-request-id')!;
  assert.equal(plain.data.choices[0]?.message.content, 'ANSWER-never-exported-7781');
  const plainUp = traceparent(up.requests.at(-1)!.headers.traceparent);
  assert.equal(plainUp.traceId, incomingTrace, 'the upstream call continues the client trace');
  assert.notEqual(plainUp.parentId, incomingSpan, "the upstream's parent is the attempt span, not the client's span");

  // 2. Streamed, no incoming trace: a new one.
  const streamed = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: prompt }], stream: true, stream_options: { include_usage: true } }).withResponse();
  let text = '';
  for await (const chunk of streamed.data) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'ANSWER-never-exported-7781');
  const streamId = streamed.response.headers.get('x-saima-request-id')!;
  const streamUp = traceparent(up.requests.at(-1)!.headers.traceparent);

  // 3. The champion answers 500, the fallback serves: two attempts under one request.
  up.setFaults([{ kind: 'status', status: 500 }, { kind: 'ok' }]);
  const before = up.requests.length;
  const rescued = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: prompt }] }).withResponse();
  const rescuedId = rescued.response.headers.get('x-saima-request-id')!;
  assert.equal(rescued.response.headers.get('x-saima-contender'), 'backup');
  const rescuedUp = up.requests.slice(before).map((r) => traceparent(r.headers.traceparent));
  assert.equal(rescuedUp.length, 2);

  // A stop flushes what is buffered (spans every 5 s, metrics every 60 s otherwise).
  await gw.close();

  const spans = otlp.spans();
  const byRequest = (id: string) => spans.filter((s) => s.attributes['saima.request_id'] === id);
  const server = (id: string): ReceivedSpan => {
    const found = byRequest(id).filter((s) => s.kind === SERVER);
    assert.equal(found.length, 1, `one server span for ${id}`);
    return found[0]!;
  };
  const clients = (id: string): ReceivedSpan[] => byRequest(id).filter((s) => s.kind === CLIENT).sort((a, b) => Number(a.startNs - b.startNs));

  // 1: the server span is the child of the incoming traceparent; its one attempt is the upstream's parent.
  const s1 = server(plainId);
  assert.equal(s1.name, 'chat assistant');
  assert.equal(s1.traceId, incomingTrace);
  assert.equal(s1.parentSpanId, incomingSpan);
  assert.equal(s1.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(s1.attributes['gen_ai.request.model'], 'assistant');
  assert.equal(s1.attributes['gen_ai.response.model'], 'up-model-2026-01-01', 'the model the upstream says answered');
  assert.equal(s1.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(s1.attributes['gen_ai.usage.input_tokens'], 12);
  assert.equal(s1.attributes['gen_ai.usage.output_tokens'], 5);
  assert.deepEqual(s1.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.equal(s1.attributes['saima.race'], 'assistant');
  assert.equal(s1.attributes['saima.contender'], 'champ');
  assert.equal(s1.attributes['saima.outcome'], 'ok');
  assert.equal(s1.statusCode, 0, 'unset status on success');
  const [c1, ...more1] = clients(plainId);
  assert.equal(more1.length, 0);
  assert.equal(c1!.name, 'chat champ-model');
  assert.equal(c1!.traceId, incomingTrace);
  assert.equal(c1!.parentSpanId, s1.spanId);
  assert.equal(c1!.spanId, plainUp.parentId, 'the upstream saw this attempt span as its parent');
  assert.equal(plainUp.flags, '01');
  assert.equal(c1!.attributes['gen_ai.request.model'], 'champ-model');
  assert.equal(c1!.attributes['gen_ai.response.model'], 'up-model-2026-01-01');
  assert.equal(c1!.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(c1!.attributes['server.address'], '127.0.0.1');
  assert.equal(c1!.attributes['server.port'], Number(new URL(up.url).port));
  assert.equal(c1!.attributes['saima.race'], 'assistant');
  assert.equal(c1!.attributes['saima.contender'], 'champ');
  assert.equal(c1!.attributes['gen_ai.usage.input_tokens'], 12);

  // 2: a root server span of a new trace, its attempt streamed with a time to first chunk.
  const s2 = server(streamId);
  assert.equal(s2.parentSpanId, '');
  assert.notEqual(s2.traceId, incomingTrace);
  assert.equal(s2.attributes['gen_ai.request.stream'], true);
  const [c2] = clients(streamId);
  assert.equal(c2!.parentSpanId, s2.spanId);
  assert.equal(c2!.traceId, streamUp.traceId);
  assert.equal(c2!.spanId, streamUp.parentId);
  assert.equal(typeof c2!.attributes['gen_ai.response.time_to_first_chunk'], 'number');

  // 3: two attempt spans under one server span, the first failed with the upstream's status.
  const s3 = server(rescuedId);
  assert.equal(s3.attributes['saima.contender'], 'backup');
  assert.equal(s3.attributes['saima.attempts'], 2);
  const [failed, served, ...more3] = clients(rescuedId);
  assert.equal(more3.length, 0);
  assert.equal(failed!.name, 'chat champ-model');
  assert.equal(failed!.attributes['error.type'], '500');
  assert.equal(failed!.statusCode, 2, 'error status');
  assert.equal(served!.name, 'chat backup-model');
  assert.equal(served!.attributes['saima.outcome'], 'ok');
  assert.equal(served!.statusCode, 0);
  for (const c of [failed!, served!]) assert.equal(c.parentSpanId, s3.spanId);
  assert.deepEqual(rescuedUp.map((p) => p.parentId), [failed!.spanId, served!.spanId], 'each attempt sent its own span as the parent');
  assert.equal(rescuedUp[0]!.traceId, s3.traceId);

  // Resource and transport: the service name, JSON over HTTP, the configured header.
  assert.equal(s1.resource['service.name'], 'saima');
  assert.ok(otlp.contentTypes().every((ct) => ct.startsWith('application/json')), otlp.contentTypes().join(','));
  assert.ok(otlp.headers().length >= 2 && otlp.headers().every((h) => h['x-collector-key'] === 'collector-secret-1'), 'the configured headers go with every export');

  // Capture is off for this race: neither the prompt nor the answer is anywhere in what was exported.
  const everything = otlp.raw().join('\n');
  assert.ok(!everything.includes(prompt), 'no prompt text exported');
  assert.ok(!everything.includes('ANSWER-never-exported'), 'no answer text exported');
  for (const s of spans) assert.ok(!('gen_ai.input.messages' in s.attributes) && !('gen_ai.output.messages' in s.attributes), s.name);

  // Metrics: durations and token usage per attempt, time to first chunk for the streamed one only.
  const points = otlp.points();
  const duration = points.filter((p) => p.metric === 'gen_ai.client.operation.duration');
  assert.ok(duration.length > 0);
  assert.ok(duration.every((p) => p.unit === 's' && p.kind === 'histogram'));
  assert.equal(duration.reduce((n, p) => n + p.count, 0), 4, 'one duration per attempt (4 attempts)');
  const failedPoint = duration.find((p) => p.attributes['error.type'] === '500');
  assert.equal(failedPoint?.count, 1);
  assert.equal(failedPoint?.attributes['gen_ai.request.model'], 'champ-model');
  assert.equal(failedPoint?.attributes['server.address'], '127.0.0.1');
  assert.deepEqual(duration[0]!.explicitBounds.slice(0, 3), [0.01, 0.02, 0.04]);
  const tokens = points.filter((p) => p.metric === 'gen_ai.client.token.usage');
  const input = tokens.filter((p) => p.attributes['gen_ai.token.type'] === 'input');
  const output = tokens.filter((p) => p.attributes['gen_ai.token.type'] === 'output');
  assert.equal(input.reduce((n, p) => n + p.sum, 0), 36, '12 input tokens × 3 answered attempts');
  assert.equal(output.reduce((n, p) => n + p.sum, 0), 15);
  assert.ok(tokens.every((p) => p.unit === '{token}' && p.attributes['gen_ai.operation.name'] === 'chat' && p.attributes['gen_ai.provider.name'] === 'openai'));
  const ttfc = points.filter((p) => p.metric === 'gen_ai.client.operation.time_to_first_chunk');
  assert.equal(ttfc.reduce((n, p) => n + p.count, 0), 1, 'streamed attempts only');
  assert.equal(ttfc[0]!.unit, 's');
});

test('a race that captures text exports it as the opt-in gen_ai.input.messages and gen_ai.output.messages; a shadow call gets its own trace linked to the served request', async (t) => {
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const up = await startFakeOpenAI({ answer: 'captured answer 5150', usage: { prompt_tokens: 7, completion_tokens: 3 } });
  t.after(() => up.close());
  const { client, gw } = await startTestGateway(t, {
    telemetry: { otlp: { endpoint: otlp.url } },
    contenders: { champ: contender(up.url, 'champ-model'), shadowed: contender(up.url, 'shadow-model') },
    races: { kept: { champion: 'champ', capture: true, shadow: { contender: 'shadowed', rate: 1 } } },
  });
  const { response } = await client.chat.completions.create({ model: 'kept', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'captured prompt 9090' }] }).withResponse();
  const id = response.headers.get('x-saima-request-id')!;
  await gw.close(); // waits for the shadow call, then flushes
  const spans = otlp.spans();
  const served = spans.find((s) => s.kind === SERVER && s.attributes['saima.request_id'] === id)!;
  assert.ok(served, 'the served request has its server span');
  const input = JSON.parse(String(served.attributes['gen_ai.input.messages'])) as Array<{ role: string; parts: Array<{ type: string; content: string }> }>;
  assert.deepEqual(input, [
    { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
    { role: 'user', parts: [{ type: 'text', content: 'captured prompt 9090' }] },
  ]);
  const output = JSON.parse(String(served.attributes['gen_ai.output.messages'])) as Array<{ role: string; parts: Array<{ content: string }>; finish_reason: string }>;
  assert.equal(output[0]?.role, 'assistant');
  assert.equal(output[0]?.parts[0]?.content, 'captured answer 5150');
  assert.equal(output[0]?.finish_reason, 'stop');

  const shadow = spans.find((s) => s.attributes['saima.shadow'] === true)!;
  assert.ok(shadow, 'the shadow call has a span');
  assert.equal(shadow.kind, INTERNAL);
  assert.equal(shadow.name, 'chat shadowed');
  assert.equal(shadow.attributes['saima.served_request_id'], id);
  assert.notEqual(shadow.traceId, served.traceId, 'a trace of its own');
  assert.deepEqual(shadow.links, [{ traceId: served.traceId, spanId: served.spanId }], 'linked to the served request');
  const shadowAttempt = spans.find((s) => s.kind === CLIENT && s.parentSpanId === shadow.spanId);
  assert.equal(shadowAttempt?.name, 'chat shadow-model', 'its upstream attempt is its child');
  assert.ok(!('gen_ai.output.messages' in shadow.attributes), 'shadow answers are not exported');
});

test("an anthropic contender's attempt spans carry the model its upstream says answered, whole and streamed", async (t) => {
  const { startFakeAnthropic } = await import('../support/fake-anthropic-upstream.js');
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const up = await startFakeAnthropic({ answer: { text: 'Hello from Claude.', model: 'claude-answered-2026-05-01', usage: { input_tokens: 9, output_tokens: 4 } } });
  t.after(() => up.close());
  const { client, gw } = await startTestGateway(t, {
    telemetry: { otlp: { endpoint: otlp.url } },
    contenders: { claude: { provider: 'anthropic', base_url: up.url, api_key: 'sk-ant-test-0123456789', model: 'claude-asked', price: { input: 1, output: 2 }, retry: { max_retries: 0 } } },
    races: { assistant: { champion: 'claude' } },
  });
  const whole = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  const streamed = await client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
  for await (const _ of streamed.data) void _;
  await gw.close();
  for (const id of [whole.response.headers.get('x-saima-request-id'), streamed.response.headers.get('x-saima-request-id')]) {
    const mine = otlp.spans().filter((s) => s.attributes['saima.request_id'] === id);
    const attempt = mine.find((s) => s.kind === CLIENT);
    const server = mine.find((s) => s.kind === SERVER);
    assert.equal(attempt?.attributes['gen_ai.request.model'], 'claude-asked');
    assert.equal(attempt?.attributes['gen_ai.response.model'], 'claude-answered-2026-05-01', `attempt of ${id}`);
    assert.equal(server?.attributes['gen_ai.response.model'], 'claude-answered-2026-05-01', `request ${id}`);
    assert.equal(attempt?.attributes['gen_ai.provider.name'], 'anthropic');
  }
});

test('sampling is parent-based: a sampled incoming trace is kept at sample_rate 0 with its tracestate sent upstream, an unsampled or new trace is not kept but still goes upstream unsampled, an invalid traceparent starts a new trace; metrics count every attempt', async (t) => {
  const otlp = await startOtlpReceiver();
  t.after(() => otlp.close());
  const up = await startFakeOpenAI({ answer: 'ok', usage: { prompt_tokens: 3, completion_tokens: 1 } });
  t.after(() => up.close());
  const { client, gw } = await startTestGateway(t, {
    telemetry: { otlp: { endpoint: otlp.url, sample_rate: 0 } },
    contenders: { champ: contender(up.url, 'champ-model') },
    races: { assistant: { champion: 'champ' } },
  });
  const ask = (headers: Record<string, string> = {}) =>
    client.chat.completions.create({ model: 'assistant', messages: [{ role: 'user', content: 'hi' }] }, { headers }).withResponse();
  const sampledTrace = '0af7651916cd43dd8448eb211c80319c';
  const unsampledTrace = '4bf92f3577b34da6a3ce929d0e0e4736';

  const kept = await ask({ traceparent: `00-${sampledTrace}-b7ad6b7169203331-01`, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' });
  const keptUp = up.requests.at(-1)!.headers;
  const keptParent = traceparent(keptUp.traceparent);
  assert.equal(keptParent.traceId, sampledTrace);
  assert.equal(keptParent.flags, '01');
  assert.equal(keptUp.tracestate, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE', "the caller's tracestate goes upstream");

  await ask({ traceparent: `00-${unsampledTrace}-b7ad6b7169203331-00` });
  const unsampledUp = traceparent(up.requests.at(-1)!.headers.traceparent);
  assert.equal(unsampledUp.traceId, unsampledTrace);
  assert.equal(unsampledUp.flags, '00', 'an unsampled trace stays unsampled upstream');

  const fresh = await ask();
  const freshUp = traceparent(up.requests.at(-1)!.headers.traceparent);
  assert.equal(freshUp.flags, '00', 'sample_rate 0 keeps no new trace');
  assert.notEqual(freshUp.traceId, sampledTrace);

  await ask({ traceparent: 'ff-not-a-traceparent' });
  const invalidUp = traceparent(up.requests.at(-1)!.headers.traceparent);
  assert.equal(invalidUp.flags, '00');
  assert.notEqual(invalidUp.traceId, unsampledTrace);
  assert.notEqual(invalidUp.traceId, freshUp.traceId, 'each new trace has its own id');

  await gw.close();
  const spans = otlp.spans();
  assert.deepEqual([...new Set(spans.map((s) => s.traceId))], [sampledTrace], 'only the sampled incoming trace was exported');
  const server = spans.find((s) => s.kind === SERVER)!;
  assert.equal(server.attributes['saima.request_id'], kept.response.headers.get('x-saima-request-id'));
  assert.equal(server.parentSpanId, 'b7ad6b7169203331', "the server span is the caller's span's child");
  const attempt = spans.find((s) => s.kind === CLIENT)!;
  assert.equal(attempt.parentSpanId, server.spanId);
  assert.equal(attempt.spanId, keptParent.parentId, "the upstream's parent is the exported attempt span");
  const durations = otlp.points().filter((p) => p.metric === 'gen_ai.client.operation.duration');
  assert.equal(durations.reduce((n, p) => n + p.count, 0), 4, 'metrics are not sampled: every attempt is counted');
});

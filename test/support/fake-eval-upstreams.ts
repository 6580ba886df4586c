/**
 * Fake OpenAI-compatible upstreams for eval tests: real node:http servers on 127.0.0.1 (port 0) answering
 * `POST /v1/chat/completions` (non-streamed `chat.completion` with usage) from an answer function of the last user
 * message. Three behaviours for the gaming-detection proof:
 *
 * - `memoriser(suite)`: answers the suite's original items from a lookup table of their published answers, and
 *   otherwise guesses (the first number in the question), like a model trained on the public items.
 * - `solver(suite)`: actually reads the templated arithmetic: it matches the question against the suite's templates
 *   (names and places as wildcards, layout and punctuation ignored, one irrelevant sentence skipped) and computes
 *   the answer expression with the numbers it found, like a model that can do the arithmetic.
 * - `distractible(suite)`: the solver, honest but brittle: when a sentence irrelevant to the problem carries a
 *   number, it folds that number into the answer (adds it), like a model that grabs every number it sees.
 * - `randomAnswerer(seed)`: a random whole number from 0 to 999.
 *
 *   const up = await startEvalUpstream(solver(suite), { delayMs: 5 });
 *   t.after(() => up.close());
 *   // contender: { provider: 'openai', base_url: up.url, api_key: 'sk-test', model: 'solver' }; up.requests
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compileExpression } from '../../src/eval/expression.js';
import type { Suite } from '../../src/eval/suite-types.js';
import { formatNumber } from '../../src/eval/template.js';
import { sentences } from '../../src/eval/twins/sentences.js';
import { closeServer } from './loopback-server.js';

export type Answerer = (question: string, body: Record<string, unknown>) => string;

export interface EvalUpstream {
  /** Base URL ending in /v1. */
  url: string;
  /** The last user message of every chat request, in arrival order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startEvalUpstream(answer: Answerer, opts: { delayMs?: number } = {}): Promise<EvalUpstream> {
  const requests: string[] = [];
  const server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: 'not_found' } }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const messages = (body.messages as Array<{ role: string; content: string }>) ?? [];
    const question = [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';
    requests.push(question);
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    const text = answer(question, body);
    const promptTokens = messages.reduce((s, m) => s + Math.ceil(m.content.length / 4), 0);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: Math.ceil(text.length / 4), total_tokens: promptTokens + Math.ceil(text.length / 4) },
      }),
    );
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => closeServer(server),
  };
}

const firstNumber = (q: string) => /\d+(?:\.\d+)?/.exec(q)?.[0] ?? '0';

/** Knows the published answer of every original item by its exact text; guesses on anything else. */
export function memoriser(suite: Suite): Answerer {
  const table = new Map(suite.items.map((it) => [it.parts.stem, String(it.expected)]));
  return (q) => `Answer: ${table.get(q) ?? firstNumber(q)}`;
}

/** Tokens that carry meaning: numbers, Han characters, Latin words; layout and punctuation dropped. */
function tokens(text: string): string[] {
  const half = text.replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).toLowerCase();
  return half.match(/\d+(?:\.\d+)?|[\u4e00-\u9fff]|[a-z]+/g) ?? [];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Reads the question against the suite's templates and computes the answer from the numbers in it. */
export function solver(suite: Suite): Answerer {
  return templateSolver(suite, false);
}

/** The solver, but an irrelevant sentence's number is added to the answer: honest, yet distractible. */
export function distractible(suite: Suite): Answerer {
  return templateSolver(suite, true);
}

function templateSolver(suite: Suite, grabsStrayNumbers: boolean): Answerer {
  const matchers = suite.items.flatMap((item) => {
    const t = item.template;
    if (!t?.answer) return [];
    const answer = compileExpression(t.answer.source);
    const slots: string[] = [];
    const pieces = t.text.split(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/).map((piece, i) => {
      if (i % 2 === 0) return tokens(piece).map(escape).join(' ');
      slots.push(piece);
      return piece in t.vars ? '(\\d+(?:\\.\\d+)?)' : '(.+?)';
    });
    const re = new RegExp(`^${pieces.filter(Boolean).join(' ')}$`);
    return [{ re, slots, vars: t.vars, answer }];
  });
  const solve = (text: string): number | null => {
    const line = tokens(text).join(' ');
    for (const m of matchers) {
      const found = m.re.exec(line);
      if (!found) continue;
      const scope: Record<string, number> = {};
      m.slots.forEach((slot, i) => {
        if (slot in m.vars && scope[slot] === undefined) scope[slot] = Number(found[i + 1]);
      });
      return m.answer.evaluate(scope);
    }
    return null;
  };
  return (q) => {
    let v = solve(q);
    // An irrelevant sentence does not change the problem: try the text without each sentence in turn.
    const parts = sentences(q);
    for (let i = 0; v === null && i < parts.length; i++) {
      v = solve(parts.filter((_, j) => j !== i).join(' '));
      const stray = /\d+(?:\.\d+)?/.exec(tokens(parts[i]!).join(' '));
      if (v !== null && grabsStrayNumbers && stray) v += Number(stray[0]);
    }
    return v === null ? "I can't solve this one." : `Working it out step by step.\nAnswer: ${formatNumber(v)}`;
  };
}

/** A random whole number, reproducible from the seed and the question. */
export function randomAnswerer(seed: number): Answerer {
  return (q) => {
    let h = seed >>> 0;
    for (let i = 0; i < q.length; i++) h = Math.imul(h ^ q.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    return `Answer: ${h % 1000}`;
  };
}

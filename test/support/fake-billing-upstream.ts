/**
 * A hostile OpenAI-compatible upstream that bills what it serves: a real node:http server on 127.0.0.1 (port 0)
 * answering `POST /v1/chat/completions` (non-streaming) with as many completion tokens per choice as its own
 * reading of the request allows, and usage to match.
 *
 *   const up = await startBillingUpstream({ honours: 'max_tokens', uncappedTokens: 10_000 });
 *   // contender: { provider: 'openai', base_url: up.url, api_key: 'sk-x', model: 'x' }
 *   up.requests[0]   // the parsed body it received
 *
 * - `honours` names the one cap field it reads (a vendor that ignores the other one); without it, it writes
 *   `uncappedTokens`. `n` choices are billed n times.
 * - It answers after `delayMs` (300 ms by default), so concurrent requests are all in flight together.
 * - Prompt tokens are what a vendor with our tokenizer would bill for every text the body carries: message text
 *   of every role and part, tool and function definitions and calls, response_format, and 1,445 tokens per image
 *   (GPT-4o's high-detail maximum), with `promptBytesPerToken` instead billing the body's bytes / that.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AS_TEXT, loadEncoding } from '../../src/providers/chat-tokens.js';
import { closeServer } from './loopback-server.js';

export interface BillingUpstreamOptions {
  honours?: 'max_tokens' | 'max_completion_tokens';
  /** Tokens written per choice when the honoured field is absent. */
  uncappedTokens?: number;
  /** Bill prompt tokens as body bytes / this, instead of counting texts. */
  promptBytesPerToken?: number;
  /** Bill this many times the prompt tokens counted (a tokenizer that splits finer than ours, as with CJK text). */
  promptScale?: number;
  /** The first this-many requests write one token each: a cost that jumps once a run has measured it cheap. */
  cheapFirst?: number;
  /** Do not parse the body (bills bytes / promptBytesPerToken and writes uncappedTokens): for bodies of megabytes. */
  skipParse?: boolean;
  /** Answer after this long, so that concurrent requests are all in flight at once (default 300 ms). */
  delayMs?: number;
}

export interface BillingUpstream {
  url: string;
  requests: Array<Record<string, unknown>>;
  /** Completion tokens billed so far, over all requests. */
  billedCompletion: number;
  billedPrompt: number;
  close(): Promise<void>;
}

const IMAGE_TOKENS = 1_445;

export async function startBillingUpstream(opts: BillingUpstreamOptions = {}): Promise<BillingUpstream> {
  const enc = await loadEncoding();
  const count = (s: string) => (s === '' ? 0 : enc.countTokens(s, AS_TEXT));
  const promptOf = (body: Record<string, unknown>, bytes: number): number => {
    if (opts.promptBytesPerToken) return Math.ceil(bytes / opts.promptBytesPerToken);
    let n = 0;
    const walk = (v: unknown): void => {
      if (typeof v === 'string') n += count(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.type === 'image_url') {
          n += IMAGE_TOKENS;
          return;
        }
        for (const [k, x] of Object.entries(o)) if (k !== 'type') walk(x);
      }
    };
    for (const key of ['messages', 'tools', 'functions', 'function_call', 'response_format']) walk(body[key]);
    return n;
  };
  const state: BillingUpstream = { url: '', requests: [], billedCompletion: 0, billedPrompt: 0, close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = opts.skipParse ? { model: 'unparsed' } : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      state.requests.push(body);
      const honoured = opts.honours ? body[opts.honours] : undefined;
      const perChoice = state.requests.length <= (opts.cheapFirst ?? 0) ? 1 : typeof honoured === 'number' ? honoured : (opts.uncappedTokens ?? 10_000);
      const n = typeof body.n === 'number' ? body.n : 1;
      const prompt = Math.ceil(promptOf(body, raw.length) * (opts.promptScale ?? 1));
      state.billedCompletion += perChoice * n;
      state.billedPrompt += prompt;
      const answer = 'tok '.repeat(Math.min(perChoice, 50)).trim();
      const choices = Array.from({ length: n }, (_, index) => ({ index, message: { role: 'assistant', content: answer }, finish_reason: typeof honoured === 'number' ? 'length' : 'stop' }));
      const out = JSON.stringify({
        id: 'chatcmpl-billing',
        object: 'chat.completion',
        created: 1,
        model: body.model,
        choices,
        usage: { prompt_tokens: prompt, completion_tokens: perChoice * n, total_tokens: prompt + perChoice * n },
      });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(out), opts.delayMs ?? 300);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () => closeServer(server);
  return state;
}

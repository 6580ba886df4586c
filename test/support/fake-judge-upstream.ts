/**
 * A fake LLM judge: a real node:http server on 127.0.0.1 (port 0) that answers `POST /v1/chat/completions`
 * (non-streamed, OpenAI's `chat.completion` shape) with whatever `decide` returns for the request's messages.
 * Point an `openai` contender at `url` to make it the judge of an arena.
 *
 *   const judge = await startFakeJudge(alwaysFirst);            // "[[A]]" whatever the answers
 *   const judge = await startFakeJudge(prefers('Paris'));        // picks the answer containing "Paris"
 *   const judge = await startFakeJudge(scripted(['hmm', '[[B]]'])); // replies in order, then the last one again
 *   t.after(() => judge.close());   judge.requests → the message lists it was sent
 *   startFakeJudge(alwaysFirst, { delayMs: 1000 })               // a slow judge
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './loopback-server.js';

export type JudgeMessage = { role: string; content: string };
export type Decide = (messages: JudgeMessage[]) => string;

export interface FakeJudge {
  /** Base URL ending in /v1. */
  url: string;
  requests: JudgeMessage[][];
  close(): Promise<void>;
}

/** The two answers of the default judge template (both languages share the English markers). */
export function answersIn(messages: JudgeMessage[]): { a: string; b: string } {
  const user = [...messages].reverse().find((m) => m.role === 'user' && m.content.includes("Assistant A's Answer"))?.content ?? '';
  const between = (start: string, end: string) => {
    const from = user.indexOf('\n', user.indexOf(start)) + 1;
    return user.slice(from, user.indexOf(end, from)).trim();
  };
  return { a: between("[The Start of Assistant A's Answer", "[The End of Assistant A's Answer"), b: between("[The Start of Assistant B's Answer", "[The End of Assistant B's Answer") };
}

/** Position bias at its worst: always the answer shown first. */
export const alwaysFirst: Decide = () => 'Assistant A answers first, so it wins. [[A]]';

/** A fair judge: the answer containing `marker` wins, whichever position it is in; neither or both → tie. */
export function prefers(marker: string): Decide {
  return (messages) => {
    const { a, b } = answersIn(messages);
    const inA = a.includes(marker);
    const inB = b.includes(marker);
    return inA === inB ? 'Equally good. [[C]]' : inA ? 'A is right. [[A]]' : 'B is right. [[B]]';
  };
}

/** Replies in order; the last reply repeats once the list is used up. */
export function scripted(replies: string[]): Decide {
  let i = 0;
  return () => replies[Math.min(i++, replies.length - 1)]!;
}


export async function startFakeJudge(decide: Decide, opts: { delayMs?: number } = {}): Promise<FakeJudge> {
  const requests: JudgeMessage[][] = [];
  let seq = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const body = JSON.parse(await readBody(req)) as { model?: string; messages?: JudgeMessage[] };
      const messages = (body.messages ?? []).map((m) => ({ role: String(m.role), content: String(m.content) }));
      requests.push(messages);
      const content = decide(messages);
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `chatcmpl-judge${++seq}`,
          object: 'chat.completion',
          created: 1_700_000_000,
          model: body.model ?? 'fake-judge',
          choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 },
        }),
      );
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

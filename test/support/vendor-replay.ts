/**
 * A loopback upstream that replays a vendor's documented wire format: a real node:http server on 127.0.0.1 (port 0)
 * answering `POST <basePath>/chat/completions` with the bytes of a fixture under `test/fixtures/vendors/`, so a
 * translation is tested against the vendor's published shapes rather than against Saima's own output.
 *
 *   const qwen = await startVendorReplay({ basePath: '/compatible-mode/v1', json: 'qwen-completion.jsonc', stream: 'qwen-stream-thinking.sse' });
 *   t.after(() => qwen.close());
 *   // contender: { preset: 'qwen', base_url: qwen.url, api_key: 'sk-…', model: 'qwen-plus' }
 *   qwen.next({ status: 400, fixture: 'qwen-error-400.jsonc' });   // the next request only
 *   qwen.requests.at(-1)?.body.stream_options
 *
 * - A request with `stream: true` gets the `stream` fixture as `text/event-stream`, any other the `json` fixture;
 *   `next(...)` queues a reply (a status and a fixture) for the following request instead, one request each.
 * - Fixture files open with comment lines (`//` in `.jsonc`, `:` in `.sse`) naming the vendor's documentation; they
 *   are test notes and never sent: the vendor sends none.
 * - Every request to the route is recorded (path, headers, parsed body); another path gets a 404.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeServer, readBody } from './loopback-server.js';

export interface ReplayedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface VendorReply {
  status: number;
  fixture: string;
  headers?: Record<string, string>;
}

export interface VendorReplay {
  /** The base URL a contender's `base_url` takes (origin + basePath). */
  url: string;
  requests: ReplayedRequest[];
  next(reply: VendorReply): void;
  close(): Promise<void>;
}

/** A vendor fixture's bytes as the vendor sends them: its leading comment lines (and the blank line after) removed. */
export function vendorFixture(name: string): string {
  const text = readFileSync(new URL(`../fixtures/vendors/${name}`, import.meta.url), 'utf8');
  const comment = name.endsWith('.sse') ? /^:[^\n]*\n/ : /^\/\/[^\n]*\n/;
  let rest = text;
  for (let m = comment.exec(rest); m; m = comment.exec(rest)) rest = rest.slice(m[0].length);
  return rest.replace(/^\n/, '');
}

export async function startVendorReplay(opts: { basePath: string; json: string; stream: string }): Promise<VendorReplay> {
  const requests: ReplayedRequest[] = [];
  const queued: VendorReply[] = [];
  const route = `${opts.basePath}/chat/completions`;
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      if (req.method !== 'POST' || req.url !== route) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } }));
        return;
      }
      const body = JSON.parse(raw) as Record<string, unknown>;
      requests.push({ path: req.url, headers: req.headers, body });
      const stream = body.stream === true;
      const reply = queued.shift() ?? { status: 200, fixture: stream ? opts.stream : opts.json };
      const sse = reply.fixture.endsWith('.sse');
      res.writeHead(reply.status, { 'content-type': sse ? 'text/event-stream;charset=UTF-8' : 'application/json', ...reply.headers });
      if (!sse) {
        res.end(vendorFixture(reply.fixture).trimEnd());
        return;
      }
      // Event by event, as a vendor streams them (each one its own write).
      for (const event of vendorFixture(reply.fixture).split(/(?<=\n\n)/)) {
        await new Promise<void>((resolve) => res.write(event, () => resolve()));
      }
      res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${opts.basePath}`,
    requests,
    next: (reply) => void queued.push(reply),
    close: () => closeServer(server),
  };
}


/**
 * The floor: the least a Node reverse proxy can do. node:http in, one keep-alive undici Agent out, the body
 * piped both ways untouched, hop-by-hop headers dropped. No auth, routing, metering or logging.
 * Run as its own process: `undici-floor-proxy.js --port N --upstream http://127.0.0.1:M`; prints `READY <port>`.
 */
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host', 'upgrade', 'proxy-connection']);
const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, upstream: { type: 'string' } } });
const upstream = values.upstream ?? 'http://127.0.0.1:8080';
const agent = new Agent({ keepAliveTimeout: 60_000, connections: 512 });

const server = createServer({ keepAliveTimeout: 60_000 }, async (req, res) => {
  try {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    const up = await request(upstream + req.url, { method: req.method as 'POST', headers, body: req, dispatcher: agent });
    const out: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(up.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
    res.writeHead(up.statusCode, out);
    await pipeline(up.body, res);
  } catch (err) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: String(err), type: 'api_error' } }));
  }
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`READY ${typeof addr === 'object' && addr ? addr.port : values.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

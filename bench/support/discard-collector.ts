/**
 * A loopback OTLP/HTTP collector that accepts every export and discards it (the traced Saima target's collector),
 * so the benchmark measures what exporting costs Saima, not what a collector does with it.
 * Run as its own process: `discard-collector.js --port N`; `GET /health` answers 200.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
let exports = 0;
const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, exports }));
    return;
  }
  req.resume();
  req.on('end', () => {
    exports++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(Number(values.port), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`READY ${typeof addr === 'object' && addr ? addr.port : values.port}\n`);
});

// Preloaded with `node --import` into a process under test: every TCP/TLS connection and DNS lookup to anything
// but loopback is refused and recorded (one JSON line per attempt in SAIMA_EGRESS_LOG), so a test can assert
// that a process never tried to leave the machine.
import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';

const LOG = process.env.SAIMA_EGRESS_LOG;

function isLoopback(host) {
  const h = String(host ?? 'localhost').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1' || /^127\./.test(h);
}

function record(kind, target) {
  const line = JSON.stringify({ kind, target, stack: new Error().stack?.split('\n').slice(2, 6).join(' | ') });
  if (LOG) appendFileSync(LOG, `${line}\n`);
  else process.stderr.write(`no-egress: ${line}\n`);
}

/** net.Socket#connect's argument forms: (options[, cb]), (port[, host][, cb]), (path[, cb]), or net's normalized array. */
function destination(args) {
  let first = args[0];
  if (Array.isArray(first)) first = first[0];
  if (first && typeof first === 'object') return first.path ? null : { host: first.host ?? 'localhost', port: first.port };
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) return { host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  return null; // a Unix socket path: local by definition
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const to = destination(args);
  if (to && !isLoopback(to.host)) {
    record('connect', `${to.host}:${to.port}`);
    process.nextTick(() => this.destroy(new Error(`no-egress: connection to ${to.host}:${to.port} refused`)));
    return this;
  }
  return connect.apply(this, args);
};

for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const original = dns[name];
  dns[name] = function (host, ...rest) {
    if (!isLoopback(host)) record(`dns.${name}`, host);
    return original.call(this, host, ...rest);
  };
}

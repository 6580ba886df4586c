/**
 * Where an `auth: none` gateway may listen: loopback only. The rule is checked twice, on what will really be bound:
 * before listening, on the host the listener is given (config and `--host` already merged, a name resolved to every
 * address it stands for), and after, on the address the socket actually got. A check on the config's host alone let
 * `--host 0.0.0.0` open an anonymous admin API on every interface.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SaimaError } from '../errors.js';

/** 127.0.0.0/8, ::1 and the IPv4-mapped form of 127.0.0.0/8. Wildcards (0.0.0.0, ::) are not loopback. */
export function isLoopbackAddress(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)) return true;
  if (/^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a)) return true;
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

function refusal(host: string, why: string): SaimaError {
  return new SaimaError('invalid_request', `auth.mode none is only allowed when the gateway listens on loopback, not on ${host}${why}: set auth.mode keys, or listen on 127.0.0.1`);
}

/** Before listening: every address `host` stands for must be loopback (a name is resolved; an unresolvable one is refused). */
export async function assertLoopbackHost(host: string): Promise<void> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) {
    if (!isLoopbackAddress(bare)) throw refusal(host, '');
    return;
  }
  let addresses: string[];
  try {
    addresses = (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw refusal(host, ' (the name does not resolve)');
  }
  const open = addresses.find((a) => !isLoopbackAddress(a));
  if (addresses.length === 0 || open !== undefined) throw refusal(host, open ? ` (it resolves to ${open})` : '');
}

/** After listening: the address the socket is bound to. */
export function assertLoopbackBound(address: string): void {
  if (!isLoopbackAddress(address)) throw refusal(address, ' (the address the listener was bound to)');
}

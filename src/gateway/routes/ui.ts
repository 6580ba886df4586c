/**
 * GET /ui/*: the dashboard's static files from `dist/web` (built by `npm run build:web`). Hashed assets are
 * immutable and cached for a year; index.html is never cached, so a new build reaches browsers on the next load.
 * Client routes (/ui/races/assistant) fall back to index.html; a missing asset is a plain 404. Files are read once
 * and kept in memory with their gzip form: the bundle is a few hundred kB and compressing per request would cost
 * more than the whole hot path of a chat call.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface StaticFile {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
}

/** The package root holds package.json: two levels above this file from src/, three from dist/src/. */
export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

export class StaticFiles {
  readonly #root: string;
  readonly #cache = new Map<string, StaticFile>();

  constructor(root: string) {
    this.#root = resolve(root);
  }

  get built(): boolean {
    return existsSync(join(this.#root, 'index.html'));
  }

  /** The file at a URL path below the root, or null (missing, a directory, or an escape attempt). */
  get(relative: string): StaticFile | null {
    const cached = this.#cache.get(relative);
    if (cached) return cached;
    const full = normalize(join(this.#root, relative));
    let file: StaticFile | null = null;
    if (full.startsWith(this.#root + sep) && existsSync(full) && statSync(full).isFile()) {
      const ext = extname(full).toLowerCase();
      const body = readFileSync(full);
      file = { body, type: CONTENT_TYPES[ext] ?? 'application/octet-stream', gzip: COMPRESSIBLE.has(ext) && body.length > 1024 ? gzipSync(body) : null };
    }
    // Only files that exist are kept (random missing paths must not grow the map), and not index.html, which a
    // new build replaces under the same name; every other file has a content hash in its name.
    if (file && !relative.endsWith('index.html')) this.#cache.set(relative, file);
    return file;
  }
}

/**
 * The dashboard runs only its own bundled scripts and talks only to this gateway: no inline script, no framing (a
 * page that embeds it could overlay its admin buttons), no sniffing. Styles may be inline: the charts set them.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function send(req: FastifyRequest, reply: FastifyReply, file: StaticFile, cache: string): FastifyReply {
  void reply
    .header('content-type', file.type)
    .header('cache-control', cache)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('vary', 'accept-encoding');
  if (file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
    return reply.header('content-encoding', 'gzip').send(file.gzip);
  }
  return reply.send(file.body);
}

export function registerUiRoutes(app: FastifyInstance, root = join(packageRoot(), 'dist', 'web')): void {
  const files = new StaticFiles(root);
  const index = (req: FastifyRequest, reply: FastifyReply) => {
    const file = files.get('index.html');
    if (!file) {
      return reply.code(503).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('The dashboard is not built. Run `npm run build:web`.\n');
    }
    return send(req, reply, file, 'no-cache');
  };
  app.get('/ui', (_req, reply) => reply.redirect('/ui/', 302));
  app.get('/ui/*', (req, reply) => {
    // find-my-way has already decoded the wildcard; `..` segments are caught by StaticFiles.get.
    const rest = (req.params as { '*'?: string })['*'] ?? '';
    if (rest === '' || rest === 'index.html') return index(req, reply);
    const file = files.get(rest);
    if (file) return send(req, reply, file, rest.startsWith('assets/') ? IMMUTABLE : 'no-cache');
    // A path with an extension names a file that is not there; anything else is a client-side route.
    if (extname(rest) !== '') return reply.code(404).type('text/plain; charset=utf-8').send('Not found\n');
    return index(req, reply);
  });
}

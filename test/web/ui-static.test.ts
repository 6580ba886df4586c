/**
 * The production build served at /ui: public (the login page loads without a key) while the APIs stay keyed;
 * correct content types; index.html revalidated, hashed assets immutable; gzip when asked; client routes fall
 * back to index.html, a missing asset is a 404, and `..` cannot climb out of dist/web. Reports the bundle size.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ensureWebBuild, ROOT } from '../support/browser.js';
import { mockContender, startTestGateway } from '../support/gateway.js';

/** A raw GET, so paths like /ui/../x reach the server unnormalised (fetch would resolve the dots first). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the dashboard build is served at /ui with content types, cache headers, gzip and an SPA fallback', async (t) => {
  ensureWebBuild();
  const { url } = await startTestGateway(t, { auth: { mode: 'keys' }, contenders: { m: mockContender('m') }, races: { r: { champion: 'm' } } });

  const redirect = await fetch(`${url}/ui`, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), '/ui/');

  const index = await fetch(`${url}/ui/`);
  assert.equal(index.status, 200, 'no key needed for the app itself');
  assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  // Served safely: a policy that allows only the bundle's own scripts and no framing, and no inline script to allow.
  const csp = index.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(index.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(index.headers.get('x-frame-options'), 'DENY');
  const page = await index.clone().text();
  const scripts = page.match(/<script\b[^>]*>/g) ?? [];
  assert.ok(scripts.length > 0);
  for (const tag of scripts) assert.match(tag, /\bsrc=/, `an inline script: ${tag}`);
  const html = await index.text();
  assert.match(html, /<div id="root"><\/div>/);
  assert.equal((await fetch(`${url}/admin/races`)).status, 401, 'the APIs still need a key');

  const route = await fetch(`${url}/ui/races/r`);
  assert.equal(route.status, 200);
  assert.equal(await route.text(), html, 'a client route answers with index.html');

  const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]!);
  const js = assets.find((a) => a.endsWith('.js'))!;
  const css = assets.find((a) => a.endsWith('.css'))!;
  assert.ok(js && css, `index.html links a script and a stylesheet: ${assets.join(', ')}`);
  for (const [path, type] of [[js, 'text/javascript; charset=utf-8'], [css, 'text/css; charset=utf-8']] as const) {
    const plain = await rawGet(url, path);
    assert.equal(plain.status, 200);
    assert.equal(plain.headers['content-type'], type);
    assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(plain.headers['x-content-type-options'], 'nosniff');
    assert.deepEqual(plain.body, readFileSync(join(ROOT, 'dist', 'web', path.slice('/ui/'.length))));
    const zipped = await rawGet(url, path, { 'accept-encoding': 'gzip, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.deepEqual(gunzipSync(zipped.body), plain.body);
  }

  assert.equal((await fetch(`${url}/ui/assets/missing-0000.js`)).status, 404);
  for (const path of ['/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/assets/../../package.json']) {
    const res = await rawGet(url, path);
    assert.ok(!res.body.toString().includes('"name": "saima"'), `${path} must not serve files outside dist/web`);
  }
});

test('bundle size: the whole dashboard and its first load, raw and gzipped', (t) => {
  ensureWebBuild();
  const dir = join(ROOT, 'dist', 'web', 'assets');
  const files = readdirSync(dir).filter((f) => /\.(js|css)$/.test(f));
  const size = (f: string) => ({ raw: statSync(join(dir, f)).size, gzip: gzipSync(readFileSync(join(dir, f)), { level: 9 }).length });
  const total = files.map(size).reduce((s, x) => ({ raw: s.raw + x.raw, gzip: s.gzip + x.gzip }), { raw: 0, gzip: 0 });
  const html = readFileSync(join(ROOT, 'dist', 'web', 'index.html'), 'utf8');
  const first = [...html.matchAll(/\/ui\/assets\/([^"]+)/g)].map((m) => m[1]!).map(size).reduce((s, x) => ({ raw: s.raw + x.raw, gzip: s.gzip + x.gzip }), { raw: 0, gzip: 0 });
  const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`;
  t.diagnostic(`dashboard bundle: ${files.length} files, ${kb(total.raw)} raw, ${kb(total.gzip)} gzip; login page loads ${kb(first.raw)} raw, ${kb(first.gzip)} gzip`);
  // ECharts through echarts/core with five chart and component modules is ~200 kB gzip, React ~70 kB.
  assert.ok(total.gzip < 400 * 1024, `the dashboard stays under 400 kB gzip (is ${kb(total.gzip)})`);
  assert.ok(first.gzip < 120 * 1024, `the login page loads no chart code (${kb(first.gzip)})`);
});

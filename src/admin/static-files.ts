/**
 * The web console's mount: static files from `admin.console_dir`, served at
 * `/console/` without a token (they hold no data; every call they make to the API
 * carries the operator's token). A path that leaves the folder is not found.
 *
 * @example
 * if (await serveStatic(dir, '/console/app.js', res)) return;
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export const CONSOLE_PREFIX = '/console/';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** The console shipped with Sluice (console/ at the package root), served when `admin.console_dir` names no other. */
export const BUNDLED_CONSOLE = fileURLToPath(new URL('../../../console/', import.meta.url));

/**
 * The console's page may load scripts, styles and data from this listener only: no
 * inline script, no other origin, no framing.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The front-end modules, served from the installed packages under `vendor/` (no build
 * step, no download: they come with `npm ci`). Preact's hooks import it by its bare
 * name, which a browser without an import map cannot resolve: that one import is
 * pointed at the file next to it.
 */
const VENDOR: Record<string, { module: string; rewrite?: [string, string] }> = {
  'preact.mjs': { module: 'preact' },
  'hooks.mjs': { module: 'preact/hooks', rewrite: ['from"preact"', 'from"./preact.mjs"'] },
  'htm.mjs': { module: 'htm' },
};

async function serveVendor(name: string, res: ServerResponse): Promise<boolean> {
  const v = VENDOR[name];
  if (v === undefined) return false;
  let text = await readFile(fileURLToPath(import.meta.resolve(v.module)), 'utf8');
  if (v.rewrite) text = text.split(v.rewrite[0]).join(v.rewrite[1]);
  const body = Buffer.from(text);
  res.writeHead(200, {
    'content-type': TYPES['.mjs']!,
    'content-length': body.length,
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'cache-control': 'no-cache',
  });
  res.end(body);
  return true;
}

/** Serve `urlPath` (under CONSOLE_PREFIX) from `dir`; false when there is no such file. */
export async function serveStatic(dir: string, urlPath: string, res: ServerResponse): Promise<boolean> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice(CONSOLE_PREFIX.length));
  } catch {
    return false;
  }
  if (rel.startsWith('vendor/')) return serveVendor(rel.slice('vendor/'.length), res);
  if (rel === '' || rel.endsWith('/')) rel += 'index.html';
  const root = normalize(dir + sep);
  const file = normalize(join(root, rel));
  if (!file.startsWith(root) || rel.includes('\0')) return false;
  const st = await stat(file).catch(() => null);
  if (st === null || !st.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': st.size,
    'x-content-type-options': 'nosniff',
    'content-security-policy': CSP,
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  await new Promise<void>((resolve) => {
    createReadStream(file)
      .once('error', () => resolve())
      .once('end', resolve)
      .pipe(res);
  });
  return true;
}

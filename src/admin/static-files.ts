/**
 * The web console's mount: static files from `admin.console_dir`, served at
 * `/console/` without a token (they hold no data; every call they make to the API
 * carries the operator's token). A path that leaves the folder is not found.
 *
 * @example
 * if (await serveStatic(dir, '/console/app.js', res)) return;
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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

/** Serve `urlPath` (under CONSOLE_PREFIX) from `dir`; false when there is no such file. */
export async function serveStatic(dir: string, urlPath: string, res: ServerResponse): Promise<boolean> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice(CONSOLE_PREFIX.length));
  } catch {
    return false;
  }
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

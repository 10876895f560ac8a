/**
 * A tiny npm registry over HTTPS for `npm install` tests: one package, one version,
 * its packument at /NAME and its tarball (made by `npm pack`) at /NAME/-/NAME-1.0.0.tgz.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { upstreamPki } from '../helpers/pki.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';

export interface Registry {
  port: number;
  /** Paths requested, in order. */
  seen: string[];
  close(): Promise<void>;
}

export async function startRegistry(opts: { host: string; name: string; pkg: string }): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-registry-'));
  const src = join(dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'package.json'), JSON.stringify({ name: opts.pkg, version: '1.0.0', main: 'index.js' }));
  await writeFile(join(src, 'index.js'), "module.exports = 'tiny';\n");
  const { stdout } = await promisify(execFile)('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src, timeout: 60_000 });
  const tgz = await readFile(join(dir, stdout.trim()));
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  const leaf = minter.mint(opts.name);
  const seen: string[] = [];
  let origin = '';
  const server = createServer({ key: minter.keyPem, cert: leaf.chainPem }, (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push(path);
    if (path === `/${opts.pkg}`) {
      const body = JSON.stringify({
        name: opts.pkg,
        'dist-tags': { latest: '1.0.0' },
        versions: {
          '1.0.0': {
            name: opts.pkg,
            version: '1.0.0',
            dist: {
              tarball: `${origin}/${opts.pkg}/-/${opts.pkg}-1.0.0.tgz`,
              integrity: `sha512-${createHash('sha512').update(tgz).digest('base64')}`,
              shasum: createHash('sha1').update(tgz).digest('hex'),
            },
          },
        },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } else if (path === `/${opts.pkg}/-/${opts.pkg}-1.0.0.tgz`) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tgz);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host, resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `https://${opts.name}:${port}`;
  return {
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

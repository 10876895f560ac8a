/**
 * The upstream every contender reaches: nginx on loopback with HTTP and HTTPS, serving
 *   /1k     1024 bytes (the request scenarios)
 *   /1g     1 GiB from a sparse file (the tunnel scenario)
 *   /check  the Authorization header it received, as the body (pre-flight check that
 *           credential injection happened)
 * with keep-alive effectively unbounded. Without nginx, a Node server (node-upstream.ts)
 * with the same routes takes its place, and the table says so.
 */
import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, type Children } from '../children.js';
import { freePort, waitForPort } from './ports.js';
import type { UpstreamTls } from './tls-files.js';
import type { Tools } from './tools.js';

export const BODY_BYTES = 1024;
export const BULK_BYTES = 1024 * 1024 * 1024;

export interface Upstream {
  kind: string;
  pid: number;
  httpPort: number;
  httpsPort: number;
}

const NODE_UPSTREAM = fileURLToPath(new URL('./node-upstream.js', import.meta.url));

export async function startUpstream(kids: Children, tools: Tools, dir: string, tls: UpstreamTls): Promise<Upstream> {
  if (!tools.has('nginx')) {
    const child = kids.spawn('node', [NODE_UPSTREAM, '--cert', tls.leafCert, '--key', tls.leafKey]);
    const m = await firstLine(child, /^node upstream http (\d+) https (\d+)$/);
    return { kind: `Node ${process.version} (nginx unavailable: ${tools.why('nginx')})`, pid: child.pid!, httpPort: Number(m[1]), httpsPort: Number(m[2]) };
  }
  const root = join(dir, 'nginx');
  const www = join(root, 'www');
  await mkdir(www, { recursive: true });
  await writeFile(join(www, '1k'), Buffer.alloc(BODY_BYTES, 0x61));
  // Sparse: no disk space, and reading it costs page-cache copies only.
  const big = await open(join(www, '1g'), 'w');
  await big.truncate(BULK_BYTES);
  await big.close();
  // nginx's workers run as nobody when started by root: they must read www.
  await chmod(root, 0o755);
  await chmod(www, 0o755);
  const httpPort = await freePort();
  const httpsPort = await freePort();
  const temp = (n: string): string => `${n}_temp_path ${join(root, `${n}-temp`)};`;
  const conf = `
worker_processes 1;
daemon off;
master_process on;
pid ${join(root, 'nginx.pid')};
error_log ${join(root, 'error.log')} warn;
worker_rlimit_nofile 20000;
events { worker_connections 19000; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 600s;
  keepalive_requests 100000000;
  default_type application/octet-stream;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  server {
    listen 127.0.0.1:${httpPort} backlog=4096;
    listen 127.0.0.1:${httpsPort} ssl backlog=4096;
    ssl_certificate ${tls.leafCert};
    ssl_certificate_key ${tls.leafKey};
    ssl_protocols TLSv1.2 TLSv1.3;
    root ${www};
    location = /check { default_type text/plain; return 200 "$http_authorization"; }
  }
}
`;
  const confFile = join(root, 'nginx.conf');
  await writeFile(confFile, conf);
  const child = kids.spawn(tools.path('nginx'), ['-c', confFile, '-p', root, '-e', join(root, 'error.log')]);
  child.stdout.resume();
  child.stderr.resume();
  await waitForPort(httpPort, 15_000, () => child.exitCode === null);
  await waitForPort(httpsPort, 15_000, () => child.exitCode === null);
  return { kind: 'nginx (1 worker)', pid: child.pid!, httpPort, httpsPort };
}

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from './exec.js';
import { upstreamPki } from './pki.js';

export interface GitServer {
  host: string;
  port: number;
  /** The commit `refs/heads/main` points at in the served repository. */
  head: string;
  /** `https://NAME:PORT/REPO.git` for the name the server's certificate is for. */
  repoUrl: string;
  /** Every request served, with the status `git http-backend` answered. */
  seen: { method: string; url: string; status: number }[];
  close(): Promise<void>;
}

/** Git for the helper's own commands: no user or system config can change what it does. */
function quietGitEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Sluice Test',
    GIT_AUTHOR_EMAIL: 'test@sluice.invalid',
    GIT_COMMITTER_NAME: 'Sluice Test',
    GIT_COMMITTER_EMAIL: 'test@sluice.invalid',
  };
}

async function git(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await exec('git', args, { env, timeoutMs: 15_000 });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * A real smart-HTTP git server over HTTPS on loopback: a bare repository with one
 * commit on `main`, served by running `git http-backend` as a CGI per request.
 * The certificate for `name` comes from the upstream test PKI, so a gate with
 * `tls.upstream_ca` set to that CA verifies it.
 *
 * @example
 * const gs = await startGitServer({ name: 'git.upstream.test', host: '127.0.0.2' }); // push: true to accept `git push`
 * // git ls-remote gs.repoUrl  → `${gs.head}\trefs/heads/main`
 */
export async function startGitServer(opts: { name: string; host?: string; repo?: string; push?: boolean }): Promise<GitServer> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-git-'));
  const env = quietGitEnv(root);
  const work = join(root, 'work');
  const projects = join(root, 'projects');
  const repo = opts.repo ?? 'repo';
  await mkdir(projects);
  await git(['init', '-q', '-b', 'main', work], env);
  await writeFile(join(work, 'README.md'), 'served through sluice\n');
  await git(['-C', work, 'add', 'README.md'], env);
  await git(['-C', work, 'commit', '-q', '-m', 'first commit'], env);
  await git(['clone', '-q', '--bare', work, join(projects, `${repo}.git`)], env);
  const head = await git(['-C', join(projects, `${repo}.git`), 'rev-parse', 'refs/heads/main'], env);
  // http-backend takes pushes only from an authenticated user unless the repository says otherwise
  if (opts.push === true) await git(['-C', join(projects, `${repo}.git`), 'config', 'http.receivepack', 'true'], env);

  const seen: GitServer['seen'] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const entry = { method: req.method ?? '', url: req.url ?? '', status: 0 };
    seen.push(entry);
    serveCgi(req, res, { ...env, GIT_PROJECT_ROOT: projects, GIT_HTTP_EXPORT_ALL: '1' }, (status) => (entry.status = status));
  };
  const pki = await upstreamPki();
  const server = createServer(
    {
      SNICallback: (name, cb) => {
        pki.leaves.get(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
      secureContext: await pki.leaves.get(opts.name),
    },
    handler,
  );
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    head,
    repoUrl: `https://${opts.name}:${port}/${repo}.git`,
    seen,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * Run `git http-backend` for one request (RFC 3875 CGI): request line and headers in
 * the environment, body on stdin; `Status:` and headers, then the body, on stdout.
 */
function serveCgi(req: IncomingMessage, res: ServerResponse, baseEnv: NodeJS.ProcessEnv, onStatus: (s: number) => void): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? '',
  };
  const length = req.headers['content-length'];
  if (length !== undefined) env.CONTENT_LENGTH = length;
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'content-type' || name === 'content-length' || value === undefined) continue;
    // Git-Protocol (v2) and Content-Encoding (gzip bodies) reach http-backend this way.
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  // http-backend may answer (an error) without reading the whole body.
  child.stdin.on('error', () => undefined);
  req.pipe(child.stdin);

  let head = Buffer.alloc(0);
  let headersSent = false;
  const onData = (chunk: Buffer): void => {
    if (headersSent) return;
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const crlf = text.indexOf('\r\n\r\n');
    const lf = text.indexOf('\n\n');
    const end = crlf !== -1 && (lf === -1 || crlf < lf) ? { at: crlf, len: 4 } : lf !== -1 ? { at: lf, len: 2 } : null;
    if (!end) return;
    headersSent = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of text.slice(0, end.at).split(/\r?\n/)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(/^\d{3}/.exec(value)?.[0] ?? 500);
      else headers[name] = value;
    }
    onStatus(status);
    res.writeHead(status, headers);
    res.write(head.subarray(end.at + end.len));
    // The rest of the body streams straight through.
    child.stdout.off('data', onData);
    child.stdout.pipe(res);
  };
  child.stdout.on('data', onData);
  child.once('error', (err) => {
    if (!res.headersSent) res.writeHead(500).end(`cannot run git http-backend: ${err.message}\n`);
  });
  child.once('close', (code) => {
    if (!headersSent) {
      onStatus(502);
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`git http-backend exited ${code} without headers: ${stderr}\n`);
    }
  });
}

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';

const SECRET = 'outside-the-base-7f3a9c';

function viaGate(g: TestGate, url: string): Promise<{ status: number; body: string; json: { error?: string; reason?: string; rule?: string } | null }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: g.port, path: url, headers: { 'proxy-authorization': g.auth } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        let json = null;
        try {
          json = JSON.parse(body) as { error?: string; reason?: string; rule?: string };
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, body, json });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** `python3 -m http.server` on a free port, serving `dir`; resolves once it listens. */
function startPythonServer(dir: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-u', '-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      const m = /port (\d+)/.exec(out);
      if (m) {
        child.stdout?.off('data', onData);
        resolve({ child, port: Number(m[1]) });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`python3 -m http.server exited (${code}): ${out}`)));
  });
}

describe("a route's base path is a boundary: Python http.server behind a named route", () => {
  let py: { child: ChildProcess; port: number };
  let g: TestGate;

  before(async () => {
    const root = await mkdtemp(join(tmpdir(), 'sluice-route-base-'));
    await mkdir(join(root, 'base', 'sub'), { recursive: true });
    await writeFile(join(root, 'secret.txt'), SECRET);
    await writeFile(join(root, 'base', 'ok.txt'), 'inside the base');
    await writeFile(join(root, 'base', 'sub', 'deep.txt'), 'deep inside');
    py = await startPythonServer(root);
    g = await startTestGate(`
routes:
  files:
    url: http://127.0.0.1:${py.port}/base
rules:
  - id: files
    hosts: [files.internal]
    route: files
`);
  });
  after(async () => {
    await g.close();
    py.child.kill();
  });

  test('paths inside the base are served', async () => {
    assert.equal((await viaGate(g, 'http://files.internal/ok.txt')).body, 'inside the base');
    assert.equal((await viaGate(g, 'http://files.internal/sub/deep.txt?x=1')).body, 'deep inside');
  });

  test('no spelling of .. reaches the file outside the base', async () => {
    const attempts = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/.%2e/secret.txt',
      '/..%2fsecret.txt',
      '/..%2Fsecret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e%2f%2e%2e%2fsecret.txt',
      '/..%5csecret.txt',
      '/..\\secret.txt',
      '/..;/secret.txt',
      '/%252e%252e/secret.txt',
      '/%c0%ae%c0%ae/secret.txt',
      '/%ef%bc%8e%ef%bc%8e/secret.txt',
      '/./../secret.txt',
      '//../secret.txt',
    ];
    for (const path of attempts) {
      const r = await viaGate(g, `http://files.internal${path}`);
      assert.ok(!r.body.includes(SECRET), `${path} leaked the file outside the base`);
      assert.equal(r.status, 403, `${path}: ${r.status}`);
      assert.equal(r.json?.error, 'path_outside_route', path);
      assert.equal(r.json?.rule, 'files', path);
      assert.match(r.json?.reason ?? '', /route 'files' base path \/base/, path);
    }
    const rec = g.audit.records.find((x) => x.path === '/../secret.txt');
    assert.equal(rec?.outcome, 'deny');
    assert.equal(rec?.reason, 'path_outside_route');
  });
});

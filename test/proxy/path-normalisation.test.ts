import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { startTestGate, type TestGate } from '../helpers/gate.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: { error?: string; rule?: string; reason?: string; decision_id?: string } | null;
}

/** One request through the gate with Node's http client (absolute-form, the path sent byte for byte). */
function viaGate(g: TestGate, url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: g.port, method: opts.method ?? 'GET', path: url, headers: { 'proxy-authorization': g.auth, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          let json: Answer['json'] = null;
          try {
            json = JSON.parse(body) as Answer['json'];
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/**
 * Express 5 with its defaults (case-insensitive, non-strict routing), plus the
 * method override most frameworks offer (headers, `_method` in the query or form).
 */
function startApp(): Promise<{ server: Server; port: number; adminHits: string[]; deleted: string[]; methods: string[] }> {
  const adminHits: string[] = [];
  const deleted: string[] = [];
  const methods: string[] = [];
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  app.use((req, _res, next) => {
    const body = req.body as Record<string, unknown> | undefined;
    const o = req.get('x-http-method-override') ?? req.get('x-http-method') ?? req.get('x-method-override') ?? req.query._method ?? body?._method;
    if (typeof o === 'string') req.method = o.toUpperCase();
    next();
  });
  app.all('/admin{/*rest}', (req, res) => {
    adminHits.push(req.originalUrl);
    res.send('admin area');
  });
  app.delete('/items/:id', (req, res) => {
    deleted.push(req.params.id);
    res.json({ deleted: req.params.id });
  });
  app.all('/{*rest}', (req, res) => {
    methods.push(`${req.method} ${req.originalUrl}`);
    res.json({ method: req.method, url: req.originalUrl });
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, adminHits, deleted, methods }));
  });
}

describe('paths mean what the upstream will read: Express behind the gate', () => {
  let app: Awaited<ReturnType<typeof startApp>>;
  let g: TestGate;
  let base: string;
  let strict: string;

  before(async () => {
    app = await startApp();
    base = `http://app.test:${app.port}`;
    strict = `http://strict.test:${app.port}`;
    g = await startTestGate(`
dns:
  hosts:
    app.test: 127.0.0.1
    strict.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: no-admin
    hosts: [app.test]
    paths: ["/admin/**"]
    action: deny
  - id: no-delete
    hosts: [app.test]
    methods: [DELETE]
    action: deny
  - id: app
    hosts: [app.test]
  - id: strict-public
    hosts: [strict.test]
    paths: ["/public/**", "/files/**"]
`);
  });
  after(async () => {
    await g.close();
    await new Promise((r) => app.server.close(r));
  });

  test('ordinary paths still pass, as before', async () => {
    for (const path of ['/repos/acme/x', '/api/v1/items?id=3', '/administrator', '/files/my%20doc.txt']) {
      const r = await viaGate(g, base + path);
      assert.equal(r.status, 200, path);
    }
    for (const path of ['/public/a/b', '/files/my%20doc.txt', '/public/x?id=3']) {
      const r = await viaGate(g, strict + path);
      assert.equal(r.status, 200, path);
    }
    const admin = await viaGate(g, `${base}/admin/users`);
    assert.equal(admin.status, 403);
    assert.equal(admin.json?.rule, 'no-admin');
  });

  test('every spelling a server may route to /admin is refused by the deny rule', async () => {
    const variants = [
      '/ADMIN',
      '/Admin/users',
      '/aDmIn/',
      '/admin',
      '/admin/',
      '/admin;x',
      '/admin;jsessionid=1/users',
      '/x/..;/admin',
      '//admin',
      '/\\admin',
      '/x\\..\\admin',
      '/%61dmin',
      '/%41DMIN',
      '/%2561dmin',
      '/x/%252e%252e/admin',
      '/admin%00',
      '/admin%00.json',
      '/admin%09',
      '/admin%20',
      '/admin.',
      '/admin..',
      '/admin%2e',
      '/x/%2e%2e/admin',
      '/x/..%2fadmin',
      '/x%5c..%5cadmin',
      '/x/%ef%bc%8e%ef%bc%8e/admin',
      '/x/%c0%ae%c0%ae/admin',
      '/x%c0%afadmin',
      '/%ef%bd%81dmin',
      '/admin%3F.css',
      '/admin.json',
      '/ADMIN.html',
    ];
    for (const path of variants) {
      const r = await viaGate(g, base + path);
      assert.equal(r.status, 403, `${path}: ${r.status} ${r.body.slice(0, 80)}`);
      assert.equal(r.json?.error, 'policy_denied', path);
      assert.equal(r.json?.rule, 'no-admin', path);
      assert.equal(r.headers['x-sluice-decision'], r.json?.decision_id, path);
    }
    assert.deepEqual(app.adminHits, [], 'the admin handler was never reached');
    const rec = g.audit.records.find((x) => x.path === '/ADMIN');
    assert.equal(rec?.rule, 'no-admin');
    assert.equal(rec?.outcome, 'deny');
  });

  test('an allow rule without /** does not match an ambiguous spelling of its paths', async () => {
    for (const path of [
      '/public/..;/admin',
      '/public/%2e%2e/admin',
      '/public/..%2fadmin',
      '/public//x',
      '/public/x%00',
      '/public/x.',
      '/public/%ef%bc%8e%ef%bc%8e/admin',
      '/PUBLIC/x',
    ]) {
      const r = await viaGate(g, strict + path);
      assert.equal(r.status, 403, `${path}: ${r.status}`);
      assert.equal(r.json?.rule, 'default-deny', path);
    }
  });

  test('a method override is decided as the overriding method: DELETE stays denied', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const attempts: { url: string; headers?: Record<string, string>; body?: string }[] = [
      { url: '/items/1', headers: { 'x-http-method-override': 'DELETE' } },
      { url: '/items/2', headers: { 'x-http-method': 'delete' } },
      { url: '/items/3', headers: { 'x-method-override': 'DELETE' } },
      { url: '/items/4', headers: { 'x-http-method-override': 'PATCH, DELETE' } },
      { url: '/items/5?_method=DELETE' },
      { url: '/items/6?a=1&%5Fmethod=delete' },
      { url: '/items/7', headers: form, body: '_method=DELETE' },
      { url: '/items/8', headers: form, body: `note=${'x'.repeat(70_000)}&_method=delete` },
      { url: '/items/9', headers: form, body: '%5F%6Dethod=DELETE&a=1' },
      { url: '/items/14', headers: { 'content-type': 'application/json' }, body: '{"note":"x","_method":"DELETE"}' },
      {
        url: '/items/10',
        headers: { 'content-type': 'multipart/form-data; boundary=XyZ' },
        body: '--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--XyZ--\r\n',
      },
    ];
    for (const a of attempts) {
      const r = await viaGate(g, base + a.url, {
        method: 'POST',
        ...(a.headers ? { headers: a.headers } : {}),
        ...(a.body !== undefined ? { body: a.body } : {}),
      });
      assert.equal(r.status, 403, `${a.url}: ${r.status} ${r.body.slice(0, 120)}`);
      assert.equal(r.json?.error, 'policy_denied', a.url);
      assert.equal(r.json?.rule, 'no-delete', a.url);
      assert.match(r.json?.reason ?? '', /run it as DELETE/, a.url);
    }
    assert.deepEqual(app.deleted, [], 'nothing was deleted');

    // A path override header is decided as that path too.
    for (const name of ['x-original-url', 'x-rewrite-url']) {
      const r = await viaGate(g, `${base}/public`, { headers: { [name]: '/ADMIN/users' } });
      assert.equal(r.status, 403, name);
      assert.equal(r.json?.rule, 'no-admin', name);
    }

    const bad = await viaGate(g, `${base}/items/11`, { method: 'POST', headers: { 'x-http-method-override': 'DELETE /x' } });
    assert.equal(bad.status, 400);

    // An override the policy allows goes through, and the upstream runs it.
    const ok = await viaGate(g, `${base}/items/12`, { method: 'POST', headers: { 'x-http-method-override': 'PATCH' } });
    assert.equal(ok.status, 200);
    assert.equal((JSON.parse(ok.body) as { method: string }).method, 'PATCH');
    const plain = await viaGate(g, `${base}/items/13`, { method: 'POST', headers: form, body: 'a=1&method=DELETE' });
    assert.equal(plain.status, 200);
    assert.equal((JSON.parse(plain.body) as { method: string }).method, 'POST');
  });
});

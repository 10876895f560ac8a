import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';

/**
 * The `_method` reader of a form or JSON body works on the exchange's inspection budget
 * (body-override.ts). Spent, the request is refused as a spent DLP scan is, with its
 * finding, also on a rule whose DLP is off (the reader runs whatever the scanners do).
 */
describe('a method-override read past the inspection budget', () => {
  let up: Server;
  let g: TestGate;
  let port: number;
  const reached: string[] = [];
  before(async () => {
    up = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        reached.push(req.url ?? '');
        res.end('ok');
      });
    });
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    port = (up.address() as AddressInfo).port;
    g = await startTestGate(`
inspect:
  scan_budget_ms: 0
dns:
  hosts:
    open.test: 127.0.0.1
    scanned.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [open.test]
    inspect:
      injection: off
      dlp: off
  - id: scanned
    hosts: [scanned.test]
`);
  });
  after(async () => {
    await g.close();
    await new Promise<void>((r) => up.close(() => r()));
  });

  function post(host: string, path: string, body: Buffer): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port: g.port,
        method: 'POST',
        path: `http://${host}:${port}${path}`,
        headers: { host: `${host}:${port}`, 'proxy-authorization': g.auth, 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  for (const host of ['open.test', 'scanned.test']) {
    test(`${host}: refused with inspection_budget_exceeded and its finding, nothing forwarded`, async () => {
      const path = `/form-${host}`;
      const body = Buffer.from(`${'a=1&'.repeat(64 * 1024)}_method=DELETE`);
      const r = await post(host, path, body);
      assert.equal(r.status, 403, r.text);
      assert.match(r.text, /inspection_budget_exceeded/);
      let rec = g.audit.records.find((x) => x.path === path);
      for (let i = 0; i < 100 && rec === undefined; i++) {
        await new Promise((res) => setTimeout(res, 20));
        rec = g.audit.records.find((x) => x.path === path);
      }
      assert.ok(rec, 'an audit record');
      assert.equal(rec.reason, 'inspection_budget_exceeded');
      assert.ok(rec.findings.some((f) => f.type === 'inspection_budget_exceeded'));
      assert.ok(!reached.includes(path), 'the body did not complete upstream');
    });
  }
});

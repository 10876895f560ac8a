/**
 * Identity ends everything it started: a token's expiry and `sluice revoke` (the real
 * CLI, another process) end the exchanges already in flight under that identity, not
 * only the next request: a plain-HTTP SSE download, a chunked plain-HTTP upload, and a
 * plain `ws://` WebSocket, each through a running gate with real clients and servers,
 * and each exchange's audit record says why it was ended.
 */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { exec, SLUICE_BIN } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { BOUND_MS, waitFor } from '../helpers/open-exchanges.js';
import { isOpen, openThroughGate, type GateWs, type RefusedUpgrade } from '../helpers/ws-client.js';
import { startWsEcho, type WsEcho } from '../helpers/ws-echo.js';

function open(r: GateWs | RefusedUpgrade): GateWs {
  if (!isOpen(r)) assert.fail(`expected an upgrade, got ${r.status}: ${r.body}`);
  return r;
}

/** An upstream that streams SSE forever (`/sse`) and reads uploads without ever answering (`/upload`). */
interface Streams {
  port: number;
  /** Per path: bytes of upload received, and whether the upload's request was cut before its end. */
  uploads: Map<string, { bytes: number; cut: boolean; ended: boolean }>;
  close(): Promise<void>;
}

async function startStreams(): Promise<Streams> {
  const uploads: Streams['uploads'] = new Map();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    if (path.startsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let n = 0;
      const timer = setInterval(() => res.write(`data: tick ${n++}\n\n`), 30);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const u = { bytes: 0, cut: false, ended: false };
    uploads.set(path, u);
    req.on('data', (c: Buffer) => (u.bytes += c.length));
    req.on('end', () => {
      u.ended = true;
      res.end('done');
    });
    req.on('close', () => {
      if (!u.ended) u.cut = true;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    uploads,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** A plain-HTTP proxy request (absolute form) through the gate, with the token in Proxy-Authorization. */
function proxied(g: TestGate, token: string, method: string, url: string, headers: Record<string, string> = {}) {
  const u = new URL(url);
  return request({
    host: '127.0.0.1',
    port: g.port,
    method,
    path: url,
    headers: { host: u.host, 'proxy-authorization': `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`, ...headers },
    agent: false,
  });
}

/** An SSE download in progress: how many bytes arrived, and how it ended ('end' clean, 'cut' aborted). */
function download(g: TestGate, token: string, url: string): { got: () => number; ended: () => 'end' | 'cut' | undefined; status: Promise<number> } {
  let bytes = 0;
  let how: 'end' | 'cut' | undefined;
  const req = proxied(g, token, 'GET', url, { accept: 'text/event-stream' });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (how ??= 'end'));
      res.on('aborted', () => (how ??= 'cut'));
      res.on('error', () => (how ??= 'cut'));
      res.on('close', () => (how ??= res.complete ? 'end' : 'cut'));
    });
    req.on('error', (err) => {
      how ??= 'cut';
      reject(err);
    });
  });
  req.end();
  return { got: () => bytes, ended: () => how, status };
}

describe('identity ends every in-flight exchange it started (expiry and sluice revoke)', () => {
  let g: TestGate;
  let up: Streams;
  let echo: WsEcho;
  let base: string;
  before(async () => {
    up = await startStreams();
    echo = await startWsEcho();
    base = `http://streams.test:${up.port}`;
    // The scan budget out of the way: it is wall time spent scanning, and the endless
    // uploads here, scanned while a revoke CLI starts on a loaded machine, ran past the
    // default 5 s (inspection_budget_exceeded, not identity_revoked). These tests are about
    // identity ending exchanges.
    g = await startTestGate(`
inspect:
  scan_budget_ms: 600000
dns:
  hosts:
    streams.test: 127.0.0.1
    echo.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: streams
    hosts: [streams.test, echo.test]
`);
  });
  after(async () => {
    await g.close();
    await up.close();
    await echo.close();
  });

  const revoke = async (session: string): Promise<void> => {
    const r = await exec(process.execPath, [SLUICE_BIN, 'revoke', '--session', session, '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
  };
  const recordOf = (path: string): Promise<AuditRecord> => waitFor(`the audit record of ${path}`, () => g.audit.records.find((x) => x.path === path));

  test('an SSE download over plain HTTP is cut by sluice revoke, and its record says identity_revoked', async () => {
    const token = await g.mint({ session: 'ses_end_sse_rev' });
    const d = download(g, token, `${base}/sse-revoke`);
    assert.equal(await d.status, 200);
    await waitFor('the first events', () => (d.got() > 0 ? true : undefined));
    await revoke('ses_end_sse_rev');
    assert.equal(await waitFor('the download to end', d.ended), 'cut', 'the stream was cut, not ended cleanly');
    const rec = await recordOf('/sse-revoke');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_revoked');
    assert.equal(rec.error, 'identity_revoked');
    assert.equal(rec.session, 'ses_end_sse_rev');
  });

  test('an SSE download over plain HTTP is cut when its token expires, and its record says identity_expired', async () => {
    const token = await g.mint({ session: 'ses_end_sse_exp', ttlMs: 2000 });
    const d = download(g, token, `${base}/sse-expiry`);
    assert.equal(await d.status, 200);
    await waitFor('the first events', () => (d.got() > 0 ? true : undefined));
    // Expiry is at 2 s plus the gate's one-second clock tolerance.
    assert.equal(await waitFor('the download to end', d.ended, 8000), 'cut');
    const rec = await recordOf('/sse-expiry');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_expired');
    assert.equal(rec.error, 'identity_expired');
  });

  /**
   * A chunked upload that never ends on its own (`chunkBytes` every 20 ms; the gate's body
   * scan holds some back, so big chunks reach the upstream at once): how the agent's
   * side ended, and a stop.
   */
  const upload = (
    token: string,
    path: string,
    opts: { type?: string; chunkBytes?: number } = {},
  ): { answer: () => { status: number; body: string } | 'cut' | undefined; stop: () => void } => {
    const req = proxied(g, token, 'POST', `${base}${path}`, { 'content-type': opts.type ?? 'application/octet-stream', 'transfer-encoding': 'chunked' });
    let answer: { status: number; body: string } | 'cut' | undefined;
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => (answer ??= { status: res.statusCode ?? 0, body }));
      res.on('error', () => (answer ??= 'cut'));
    });
    req.on('error', () => (answer ??= 'cut'));
    const chunk = Buffer.alloc(opts.chunkBytes ?? 16 * 1024, 0x61);
    const pump = setInterval(() => {
      if (!req.destroyed && req.writable) req.write(chunk);
    }, 20);
    return {
      answer: () => answer,
      stop: () => {
        clearInterval(pump);
        req.destroy();
      },
    };
  };

  /** Both ends see the upload ended: the upstream's request cut before its end, the agent a 403 with `reason` or a cut. */
  const assertUploadCut = async (u: ReturnType<typeof upload>, path: string, reason: string, ms = BOUND_MS, reachedUpstream = true): Promise<void> => {
    if (reachedUpstream) await waitFor('the upstream to see the upload cut', () => (up.uploads.get(path)?.cut ? true : undefined), ms);
    const a = await waitFor('the agent to get an answer or a cut', u.answer);
    if (a !== 'cut') {
      // The deny contract's status: 403 for a revocation, 407 (fetch a fresh token) for an expiry.
      assert.equal(a.status, reason === 'identity_expired' ? 407 : 403, a.body);
      assert.equal((JSON.parse(a.body) as { error: string }).error, reason);
    }
    assert.notEqual(up.uploads.get(path)?.ended, true, 'the upload never completed upstream');
    const rec = await recordOf(path);
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, reason);
  };

  test('a chunked upload over plain HTTP is cut by sluice revoke: the upstream sees it aborted, the agent gets 403 identity_revoked or a cut', async () => {
    const token = await g.mint({ session: 'ses_end_upload' });
    const u = upload(token, '/upload-revoke');
    try {
      await waitFor('upload bytes at the upstream', () => ((up.uploads.get('/upload-revoke')?.bytes ?? 0) > 0 ? true : undefined));
      await revoke('ses_end_upload');
      await assertUploadCut(u, '/upload-revoke', 'identity_revoked');
    } finally {
      u.stop();
    }
  });

  test('a chunked upload over plain HTTP is cut when its token expires', async () => {
    const token = await g.mint({ session: 'ses_end_upload_exp', ttlMs: 2000 });
    const u = upload(token, '/upload-expiry');
    try {
      await waitFor('upload bytes at the upstream', () => ((up.uploads.get('/upload-expiry')?.bytes ?? 0) > 0 ? true : undefined));
      await assertUploadCut(u, '/upload-expiry', 'identity_expired', 8000);
    } finally {
      u.stop();
    }
  });

  test('an upload the gate is still reading ahead (a possible MCP message: text/plain, unlabelled) is ended by sluice revoke', async () => {
    const token = await g.mint({ session: 'ses_end_readahead' });
    // 1 KiB every 20 ms: the read-ahead (up to mcp.max_message_bytes) would take minutes to fill.
    const u = upload(token, '/upload-readahead', { type: 'text/plain', chunkBytes: 1024 });
    try {
      await waitFor('the gate reading the upload', () => (g.gate.liveExchanges > 0 ? true : undefined));
      await revoke('ses_end_readahead');
      await assertUploadCut(u, '/upload-readahead', 'identity_revoked', BOUND_MS, false);
    } finally {
      u.stop();
    }
  });

  test('a plain ws:// WebSocket is closed (1008) when its token expires; the record says identity_expired', async () => {
    const token = await g.mint({ session: 'ses_end_ws_exp', ttlMs: 2000 });
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/ws-expiry`, { token }));
    c.ws.send('hello');
    assert.equal(await c.next(), 'hello');
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), 8000))]);
    assert.ok(closed, 'the WebSocket outlived its token');
    assert.equal(closed.code, 1008);
    assert.match(closed.reason, /expired/);
    const rec = await recordOf('/ws-expiry');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_expired');
    assert.equal(rec.error, 'identity_expired');
  });

  test('a plain ws:// WebSocket is closed (1008) by sluice revoke; the record says identity_revoked', async () => {
    const token = await g.mint({ session: 'ses_end_ws_rev' });
    const c = open(await openThroughGate(g, `ws://echo.test:${echo.port}/ws-revoke`, { token }));
    c.ws.send('hello');
    assert.equal(await c.next(), 'hello');
    await revoke('ses_end_ws_rev');
    const closed = await Promise.race([c.closed, new Promise<null>((r) => setTimeout(() => r(null), BOUND_MS))]);
    assert.ok(closed, 'the WebSocket outlived its revocation');
    assert.equal(closed.code, 1008);
    const rec = await recordOf('/ws-revoke');
    assert.equal(rec.outcome, 'deny');
    assert.equal(rec.reason, 'identity_revoked');
  });

  test('other identities are untouched: a stream of another session keeps flowing after a revocation', async () => {
    const keep = await g.mint({ session: 'ses_end_keep' });
    const gone = await g.mint({ session: 'ses_end_gone' });
    const a = download(g, keep, `${base}/sse-keep`);
    const b = download(g, gone, `${base}/sse-gone`);
    await waitFor('both streams', () => (a.got() > 0 && b.got() > 0 ? true : undefined));
    await revoke('ses_end_gone');
    assert.equal(await waitFor('the revoked stream to end', b.ended), 'cut');
    const before = a.got();
    await waitFor('more events on the other stream', () => (a.got() > before ? true : undefined));
    assert.equal(a.ended(), undefined);
  });
});

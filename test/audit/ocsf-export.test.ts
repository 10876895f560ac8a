import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { exportTarget } from '../../src/config/audit-chain-section.js';
import { OcsfExportSink } from '../../src/audit/ocsf/export-sink.js';
import { createTlsServer } from '../helpers/upstream.js';
import { upstreamPki } from '../helpers/pki.js';
import { makeRecord, waitFor, withTempDir } from './fixtures.js';
import { ocsfValidators } from './ocsf-helpers.js';

const { check } = ocsfValidators();
const FINDING = { type: 'aws_access_key', location: 'body', action: 'block' };

function sink(dir: string, target: Record<string, unknown>, drops: { n: number; why: string }[] = [], errors: string[] = []): OcsfExportSink {
  return new OcsfExportSink(exportTarget.parse({ format: 'ocsf', ...target }), {
    dataDir: dir,
    index: 0,
    onError: (err) => errors.push(err.message),
    onDrop: (n, why) => drops.push({ n, why }),
  });
}

/** A free loopback port nobody listens on (yet). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** RFC 5424 with octet counting (RFC 6587) on TCP. */
function parseFrames(buf: string): string[] {
  const out: string[] = [];
  let rest = Buffer.from(buf, 'utf8');
  while (rest.length > 0) {
    const sp = rest.indexOf(0x20);
    const len = Number(rest.subarray(0, sp).toString());
    out.push(rest.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    rest = rest.subarray(sp + 1 + len);
  }
  return out;
}

const SYSLOG = /^<(\d+)>1 (\S+) (\S+) (\S+) (\d+) ocsf-(\d{4}) - \uFEFF(\{.*\})$/s;

function eventOf(msg: string): Record<string, unknown> {
  const m = SYSLOG.exec(msg);
  assert.ok(m, `not an RFC 5424 message: ${msg.slice(0, 120)}`);
  const e = JSON.parse(m[7]!) as Record<string, unknown>;
  assert.equal(Number(m[6]), e.class_uid);
  assert.equal(m[4], 'sluice');
  return e;
}

void test('file: one JSON line per event, every one valid OCSF', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'ocsf.jsonl');
    const s = sink(dir, { to: 'file', path });
    for (let i = 0; i < 20; i++) s.write(makeRecord(i, i % 4 === 0 ? { findings: [FINDING] } : {}));
    await s.close();
    const events = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(events.length, 25);
    for (const e of events) assert.equal(check(e), null);
    assert.equal(s.sent, 25);
  });
});

void test('syslog over UDP: RFC 5424 datagrams to a local receiver, severity from the event', async () => {
  await withTempDir(async (dir) => {
    const rx = createSocket('udp4');
    const got: string[] = [];
    rx.on('message', (m) => got.push(m.toString('utf8')));
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const s = sink(dir, { to: 'syslog', protocol: 'udp', host: '127.0.0.1', port: rx.address().port });
    s.write(makeRecord(0));
    s.write(makeRecord(1, { outcome: 'deny', reason: 'dlp_blocked', status: 403, findings: [FINDING] }));
    assert.ok(await waitFor(() => got.length === 3), `${got.length} datagrams`);
    await s.close();
    rx.close();
    const pri = got.map((m) => Number(SYSLOG.exec(m)?.[1]));
    // facility 13 (log audit): informational 110, a denial (medium) 108, a blocking finding (high) 107
    assert.deepEqual(pri.sort(), [107, 108, 110]);
    for (const m of got) assert.equal(check(eventOf(m)), null);
  });
});

void test('syslog over TCP: spooled while the receiver is down, delivered in order once it is up', async () => {
  await withTempDir(async (dir) => {
    const port = await freePort();
    const errors: string[] = [];
    const s = sink(dir, { to: 'syslog', protocol: 'tcp', host: '127.0.0.1', port }, [], errors);
    const records = Array.from({ length: 30 }, (_, i) => makeRecord(i));
    for (const r of records) s.write(r);
    assert.ok(await waitFor(() => errors.some((e) => /unreachable/.test(e))), errors.join('\n'));
    let text = '';
    const server: Server = createServer((c: Socket) => c.on('data', (d) => (text += d.toString('utf8'))));
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    assert.ok(await waitFor(() => text.length > 0 && parseFrames(text).length === 30, 15_000), `received ${text.length} bytes`);
    const ids = parseFrames(text).map((m) => (eventOf(m).metadata as { uid: string }).uid);
    assert.deepEqual(
      ids,
      records.map((r) => r.decision_id),
    );
    await s.close();
    await new Promise((r) => server.close(r));
  });
});

/** An HTTPS receiver (test CA) whose answer the test sets; keeps every event it accepted. */
async function webhookReceiver(): Promise<{
  url: string;
  caFile: string;
  events: Record<string, unknown>[];
  status: { code: number };
  posts: number;
  close(): Promise<void>;
}> {
  const pki = await upstreamPki();
  const state = { events: [] as Record<string, unknown>[], status: { code: 200 }, posts: 0 };
  const server = await createTlsServer(
    (req: IncomingMessage, res: ServerResponse) => {
      const parts: Buffer[] = [];
      req.on('data', (c: Buffer) => parts.push(c));
      req.on('end', () => {
        state.posts++;
        if (state.status.code === 200) state.events.push(...(JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>[]));
        res.writeHead(state.status.code).end();
      });
    },
    ['localhost'],
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://localhost:${(server.address() as AddressInfo).port}/ingest`,
    caFile: pki.caFile,
    ...state,
    get posts() {
      return state.posts;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

void test('webhook (HTTPS, test CA): batches; a failing receiver is retried with backoff, nothing lost, in order', async () => {
  await withTempDir(async (dir) => {
    const rx = await webhookReceiver();
    rx.status.code = 503;
    const errors: string[] = [];
    const s = sink(
      dir,
      { to: 'webhook', url: rx.url, ca_file: rx.caFile, batch: 10, flush_ms: '50ms', max_backoff_ms: '200ms', headers: { authorization: 'Bearer collector' } },
      [],
      errors,
    );
    const records = Array.from({ length: 35 }, (_, i) => makeRecord(i));
    for (const r of records) s.write(r);
    assert.ok(await waitFor(() => rx.posts >= 3), 'retried while failing');
    assert.match(errors[0] ?? '', /failed \(HTTP 503\); 35 events spooled, retrying with backoff/);
    assert.ok(existsSync(join(dir, 'audit-export', '0-webhook.spool')));
    rx.status.code = 200;
    assert.ok(await waitFor(() => rx.events.length === 35, 10_000), `${rx.events.length} delivered`);
    assert.deepEqual(
      rx.events.map((e) => (e.metadata as { uid: string }).uid),
      records.map((r) => r.decision_id),
    );
    for (const e of rx.events) assert.equal(check(e), null);
    assert.ok(errors.some((e) => /accepts events again/.test(e)));
    await s.close();
    assert.equal(readFileSync(join(dir, 'audit-export', '0-webhook.spool'), 'utf8'), '');
    await rx.close();
  });
});

void test('webhook: the spool is bounded (drops counted, with the reason), and what is spooled survives a restart', async () => {
  await withTempDir(async (dir) => {
    const rx = await webhookReceiver();
    rx.status.code = 500;
    const drops: { n: number; why: string }[] = [];
    const target = { to: 'webhook', url: rx.url, ca_file: rx.caFile, batch: 5, flush_ms: '20ms', max_backoff_ms: '100ms', spool_bytes: 20_000 };
    const s = sink(dir, target, drops);
    const records = Array.from({ length: 60 }, (_, i) => makeRecord(i));
    for (const r of records) s.write(r);
    const dropped = drops.reduce((a, d) => a + d.n, 0);
    assert.ok(dropped > 0, 'the bound was hit');
    assert.match(drops[0]!.why, /spool is full \(20000 bytes\)/);
    assert.equal(s.dropped, dropped);
    await s.close(); // receiver still failing: the rest stays in the spool file
    const kept = readFileSync(join(dir, 'audit-export', '0-webhook.spool'), 'utf8')
      .trimEnd()
      .split('\n').length;
    assert.equal(kept + dropped, 60);
    // The next start sends what the last one spooled.
    rx.status.code = 200;
    const again = sink(dir, target);
    assert.ok(await waitFor(() => rx.events.length === kept, 10_000), `${rx.events.length} of ${kept}`);
    // The newest were kept: the oldest were dropped.
    assert.deepEqual(
      rx.events.map((e) => (e.metadata as { uid: string }).uid),
      records.slice(60 - kept).map((r) => r.decision_id),
    );
    await again.close();
    await rx.close();
  });
});

void test('webhook: a receiver that refuses a batch for good (400) has it dropped with that reason, not retried for ever', async () => {
  await withTempDir(async (dir) => {
    const rx = await webhookReceiver();
    rx.status.code = 400;
    const drops: { n: number; why: string }[] = [];
    const s = sink(dir, { to: 'webhook', url: rx.url, ca_file: rx.caFile, batch: 5, flush_ms: '20ms' }, drops);
    for (let i = 0; i < 5; i++) s.write(makeRecord(i));
    assert.ok(await waitFor(() => drops.length > 0));
    assert.match(drops[0]!.why, /refused the batch: HTTP 400/);
    assert.equal(drops[0]!.n, 5);
    await s.close();
    await rx.close();
  });
});

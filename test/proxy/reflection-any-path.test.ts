import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { WebSocketServer } from 'ws';
import { exec } from '../helpers/exec.js';
import { isOpen, openThroughGate } from '../helpers/ws-client.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { upstreamPki } from '../helpers/pki.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';

// Characters that percent-encoding and JSON escaping change, so every spelling differs from the raw one.
const CANARY = `canary/${randomBytes(12).toString('hex')}+key=`;
const OTHER = `othercanary-${randomBytes(12).toString('hex')}`;

/** Every spelling of the canary an upstream might hand back. */
const SPELLINGS = [
  CANARY,
  Buffer.from(CANARY).toString('base64'),
  Buffer.from(CANARY).toString('base64url'),
  encodeURIComponent(CANARY),
  JSON.stringify(CANARY).slice(1, -1).replace(/\//g, '\\/'),
  Buffer.from(CANARY).toString('hex'),
];

/**
 * A notes service, the kind an agent stores data in: POST /notes keeps the body, and
 * every other path reads the last note back, as the client asks: `?enc=` base64, url,
 * json or raw, in a header too, gzip when the client accepts it, and byte ranges.
 */
async function startNotes(names: string[]): Promise<{ port: number; notes: string[]; close(): Promise<void> }> {
  const pki = await upstreamPki();
  const minter = new LeafMinter(pki.ca);
  const notes: string[] = [];
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://x');
      if (req.method === 'POST' && url.pathname === '/notes') {
        notes.push(Buffer.concat(parts).toString('utf8'));
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
        return;
      }
      const note = notes.at(-1) ?? '';
      const enc = url.searchParams.get('enc') ?? 'raw';
      let body =
        enc === 'base64'
          ? Buffer.from(note).toString('base64')
          : enc === 'url'
            ? encodeURIComponent(note)
            : enc === 'hex'
              ? Buffer.from(note).toString('hex')
              : enc === 'json'
                ? JSON.stringify({ note }).replace(/\//g, '\\/')
                : note;
      const headers: Record<string, string> = {
        'content-type': enc === 'json' ? 'application/json' : 'text/plain',
        'x-note': Buffer.from(note).toString('base64'),
      };
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (range) {
        const from = Number(range[1]);
        const to = range[2] === '' ? body.length - 1 : Number(range[2]);
        headers['content-range'] = `bytes ${from}-${to}/${body.length}`;
        body = body.slice(from, to + 1);
        res.writeHead(206, headers).end(body);
        return;
      }
      if (url.pathname.endsWith('/reason')) {
        res.writeHead(200, note, headers).end('see the reason phrase');
        return;
      }
      // Some servers compress whatever the client asked.
      if (/gzip/.test(String(req.headers['accept-encoding'] ?? '')) || url.pathname.endsWith('/gz-always')) {
        res.writeHead(200, { ...headers, 'content-encoding': 'gzip' }).end(gzipSync(body));
        return;
      }
      res.writeHead(200, headers).end(body);
    });
  };
  const server = createServer(
    {
      key: minter.keyPem,
      cert: minter.mint(names[0]!).chainPem,
      SNICallback: (name, cb) => {
        pki.leaves.get(name).then(
          (ctx) => cb(null, ctx),
          (err: Error) => cb(err),
        );
      },
    },
    handler,
  );
  // A WebSocket on the same service hands the note back in every kind of frame.
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    const note = notes.at(-1) ?? '';
    ws.send(note);
    ws.send(Buffer.from(`binary:${note}`));
    ws.ping(Buffer.from(note).subarray(0, 120));
    ws.close(4000, Buffer.from(note).subarray(0, 120).toString());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    notes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a secret the gate injected never comes back, whatever the path (issue 10, class 4)', () => {
  let g: TestGate;
  let notes: Awaited<ReturnType<typeof startNotes>>;

  before(async () => {
    notes = await startNotes(['notes.acme.test', 'mirror.acme.test', 'raw.acme.test']);
    g = await startTestGate(
      `
dns:
  hosts:
    notes.acme.test: 127.0.0.1
    mirror.acme.test: 127.0.0.1
    raw.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: notes-write
    hosts: [notes.acme.test]
    methods: [POST]
    paths: ["/notes"]
    credential:
      secret: notes_token
      placeholder: { in: [body] }
  - id: notes-public
    hosts: [notes.acme.test]
    methods: [GET]
    paths: ["/public/**"]
  - id: mirror
    hosts: [mirror.acme.test]
  - id: raw-read
    hosts: [raw.acme.test]
    inspect: { injection: off }
  - id: other-tenant
    tenants: [globex]
    hosts: [other.globex.test]
    credential: { secret: other_token, header: authorization, value: "Bearer {{secret}}" }
`,
      { secrets: { notes_token: CANARY, other_token: OTHER } },
    );
  });
  after(async () => {
    await g.close();
    await notes.close();
  });

  let calls = 0;
  async function curl(url: string, extra: string[] = []): Promise<{ status: number; body: string; head: string }> {
    const headFile = join(g.dir, `head-${++calls}.txt`);
    const r = await exec('curl', ['-sS', '--proxy', g.proxyUrl, '--cacert', g.caFile, '-D', headFile, '-o', '-', '-w', '\n%{http_code}', ...extra, url]);
    assert.equal(r.code, 0, r.stderr);
    const cut = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), head: await readFile(headFile, 'utf8') };
  }

  function assertClean(where: string, text: string): void {
    for (const s of SPELLINGS) assert.ok(!text.includes(s), `${where} carries the canary (${s === CANARY ? 'raw' : 'encoded'})`);
  }

  test('the placeholder the agent stored comes back scrubbed through a rule without the credential, on the same host and another', async () => {
    const w = await curl(`https://notes.acme.test:${notes.port}/notes`, [
      '-X',
      'POST',
      '-H',
      'content-type: text/plain',
      '--data-binary',
      'remember SLUICE_SECRET_notes_token please',
    ]);
    assert.equal(w.status, 201);
    assert.ok(notes.notes.at(-1)!.includes(CANARY), 'the upstream stored the real value');

    for (const host of ['notes.acme.test', 'mirror.acme.test']) {
      for (const enc of ['raw', 'base64', 'url', 'json', 'hex']) {
        const r = await curl(`https://${host}:${notes.port}/public/notes?enc=${enc}`);
        assert.equal(r.status, 200, `${host} ${enc}`);
        assertClean(`${host} ${enc} body`, r.body);
        assertClean(`${host} ${enc} headers`, r.head);
        assert.ok(r.body.includes('[REDACTED:sluice]'), `${host} ${enc}: ${r.body}`);
      }
    }
  });

  test('the reason phrase of the status line is scrubbed too', async () => {
    const r = await curl(`https://mirror.acme.test:${notes.port}/public/reason`);
    assert.equal(r.status, 200);
    assertClean('status line', r.head);
    assert.ok(r.head.includes('[REDACTED:sluice]'), r.head);
  });

  test('asking for a compressed body or for byte ranges does not hide the secret from the scrubber', async () => {
    const gz = await curl(`https://mirror.acme.test:${notes.port}/public/notes`, ['--compressed']);
    assert.equal(gz.status, 200);
    assertClean('gzip', gz.body);
    // An upstream that compresses unasked, on a rule whose responses are not inspected.
    for (const host of ['mirror.acme.test', 'raw.acme.test']) {
      const r = await curl(`https://${host}:${notes.port}/public/gz-always`, ['--compressed']);
      assert.equal(r.status, 200, host);
      assertClean(`${host} unasked gzip`, r.body);
      assert.ok(r.body.includes('[REDACTED:sluice]'), r.body);
    }
    // Two ranges that split the secret: each alone matches no needle.
    const cut = 'remember '.length + 10;
    const a = await curl(`https://mirror.acme.test:${notes.port}/public/notes`, ['-H', `Range: bytes=0-${cut - 1}`]);
    const b = await curl(`https://mirror.acme.test:${notes.port}/public/notes`, ['-H', `Range: bytes=${cut}-`]);
    const joined = a.body.length === cut ? a.body + b.body : a.body;
    assertClean('ranges', joined);
  });

  test('node fetch through the gate sees no canary either', async () => {
    const { ProxyAgent, fetch } = await import('undici');
    const dispatcher = new ProxyAgent({ uri: g.url, token: g.auth, requestTls: { ca: g.caPem } });
    try {
      const r = await fetch(`https://mirror.acme.test:${notes.port}/public/notes?enc=json`, { dispatcher });
      const text = await r.text();
      assert.equal(r.status, 200);
      assertClean('fetch body', text);
      assertClean('fetch header', r.headers.get('x-note') ?? '');
    } finally {
      await dispatcher.close();
    }
  });

  test('a WebSocket from another host hands the note back in text, binary, ping and close frames: all scrubbed', async () => {
    const c = await openThroughGate(g, `wss://mirror.acme.test:${notes.port}/ws`);
    assert.ok(isOpen(c), JSON.stringify(c));
    const pings: Buffer[] = [];
    c.ws.on('ping', (p: Buffer) => pings.push(p));
    const text = await c.next();
    const binary = await c.next();
    const closed = await c.closed;
    assert.equal(typeof text, 'string');
    assert.ok(Buffer.isBuffer(binary));
    assertClean('ws text', String(text));
    assertClean('ws binary', binary.toString('latin1'));
    assert.ok(binary.toString('latin1').startsWith('binary:remember [REDACTED:sluice]'));
    assert.ok(pings.length > 0, 'the ping reached the agent');
    assertClean('ws ping', Buffer.concat(pings).toString('latin1'));
    assertClean('ws close', closed.reason);
    assert.equal(closed.code, 4000);
  });

  test('the audit trail and the logs hold no canary, and the scrubs are recorded', () => {
    const logs = JSON.stringify(g.logs);
    const audit = JSON.stringify(g.audit.records);
    for (const s of [...SPELLINGS, OTHER]) {
      assert.ok(!logs.includes(s), 'log');
      assert.ok(!audit.includes(s), 'audit');
    }
    const reads = g.audit.records.filter((r) => r.rule === 'mirror' || r.rule === 'notes-public');
    assert.ok(reads.length > 0);
    assert.ok(reads.every((r) => r.credential === null));
    assert.ok(reads.some((r) => r.findings.some((f) => f.type === 'reflected_secret')));
  });
});

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestGate, type TestGate } from '../helpers/gate.js';

/** What the raw upstream does with each connection. */
type Behaviour = (s: Socket) => void;

/** Open a passthrough tunnel to `host:port`; resolves with the socket after the 200 and any bytes that came with it. */
function tunnel(g: TestGate, host: string, port: number): Promise<{ s: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: g.port, host: '127.0.0.1' }, () => {
      s.write(`CONNECT ${host}:${port} HTTP/1.1\r\nHost: ${host}:${port}\r\nProxy-Authorization: ${g.auth}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      s.off('data', onData);
      s.pause();
      const status = head.subarray(0, end).toString('latin1');
      if (!/^HTTP\/1\.1 200/.test(status)) return reject(new Error(status));
      resolve({ s, rest: head.subarray(end + 4) });
    };
    s.on('data', onData);
    s.on('error', reject);
  });
}

/** Read until the peer ends; with `stallEvery`, stop reading for `stallMs` after each that many bytes (a slow agent). */
function readAll(s: Socket, first: Buffer, slow?: { stallEvery: number; stallMs: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts = [first];
    let since = 0;
    s.on('data', (d: Buffer) => {
      parts.push(d);
      since += d.length;
      if (slow && since >= slow.stallEvery) {
        since = 0;
        s.pause();
        setTimeout(() => s.resume(), slow.stallMs);
      }
    });
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
    s.resume();
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('passthrough tunnels relay every byte, whatever the read sizes and however slow the agent', () => {
  const data = randomBytes(24 * 1024 * 1024);
  let behaviour: Behaviour = (s) => s.end();
  let up: Server;
  let upPort = 0;
  let g: TestGate;
  before(async () => {
    up = createServer((s) => behaviour(s));
    await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
    upPort = (up.address() as { port: number }).port;
    g = await startTestGate(`
dns:
  hosts:
    raw.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  passthrough: [raw.upstream.test]
rules:
  - id: raw
    hosts: [raw.upstream.test]
`);
  });
  after(async () => {
    await g.close();
    await new Promise((r) => up.close(r));
  });

  /** Write `data` in pieces from 1 byte to 200 KiB, some after a pause, so reads are small, bulk, and in between. */
  function sendMixed(s: Socket): void {
    let at = 0;
    let n = 0;
    const step = (): void => {
      while (at < data.length) {
        n++;
        const size = n % 7 === 0 ? 1 + (n % 300) : n % 3 === 0 ? 200 * 1024 : 1 + ((n * 7919) % (64 * 1024));
        const ok = s.write(data.subarray(at, at + size));
        at += size;
        if (n % 50 === 0) return void setTimeout(step, 2);
        if (!ok) return void s.once('drain', step);
      }
      s.end();
    };
    step();
  }

  test('a server that speaks first: its banner reaches the agent after the 200, then the exchange goes both ways', async () => {
    behaviour = (s) => {
      s.write('BANNER ready\r\n');
      s.on('data', (d: Buffer) => s.end(`echo:${d.toString()}`));
    };
    const { s, rest } = await tunnel(g, 'raw.upstream.test', upPort);
    const banner = rest.length > 0 ? rest : await new Promise<Buffer>((r) => s.once('data', r));
    s.pause();
    assert.equal(banner.toString(), 'BANNER ready\r\n');
    s.write('hello');
    assert.equal((await readAll(s, Buffer.alloc(0))).toString(), 'echo:hello');
  });

  test('24 MiB in mixed write sizes to a fast agent: identical bytes, and the audit record counts them', async () => {
    behaviour = sendMixed;
    const { s, rest } = await tunnel(g, 'raw.upstream.test', upPort);
    const got = await readAll(s, rest);
    assert.equal(got.length, data.length);
    assert.equal(sha(got), sha(data));
    await waitFor(() => g.audit.records.some((r) => r.transport === 'tunnel' && r.bytes_out >= data.length));
  });

  test('24 MiB to an agent that keeps stalling (writes pending while the upstream keeps sending): identical bytes', async () => {
    behaviour = sendMixed;
    const { s, rest } = await tunnel(g, 'raw.upstream.test', upPort);
    const got = await readAll(s, rest, { stallEvery: 1024 * 1024, stallMs: 15 });
    assert.equal(got.length, data.length);
    assert.equal(sha(got), sha(data));
  });

  test("two bulk tunnels at once, one of them slow: neither sees the other's bytes", async () => {
    behaviour = sendMixed;
    const [a, b] = await Promise.all([tunnel(g, 'raw.upstream.test', upPort), tunnel(g, 'raw.upstream.test', upPort)]);
    const [ga, gb] = await Promise.all([readAll(a.s, a.rest, { stallEvery: 2 * 1024 * 1024, stallMs: 10 }), readAll(b.s, b.rest)]);
    assert.equal(sha(ga), sha(data));
    assert.equal(sha(gb), sha(data));
  });
});

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';

/**
 * Issue 11, "precise outcomes": what the agent sees, what the audit record says and
 * what the log says when the upstream's response is malformed, stalls or is reset
 * mid-body, and when the agent itself goes away. The upstream is a raw TCP server
 * that writes exactly the bytes each case needs; the client is a raw socket too.
 * Causal, not timed: a step that must follow the agent seeing bytes waits for it.
 */

const CANARY = 'canary-5f1e2d9c-header-value';
const HEAD_CHUNKED = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n';
const FIRST = '5\r\nfirst\r\n';

/** What the raw upstream does for each path (the request head has been read). */
type Act = (s: Socket) => void;

describe('precise outcomes through a running gate', () => {
  let upstream: Server;
  let port: number;
  let g: TestGate;
  /** Per path: what the upstream does once the test says the agent saw the first bytes. */
  const then = new Map<string, () => void>();
  /** Per path: resolved when the upstream's connection for it closes (the gate let go of it). */
  const upstreamClosed = new Map<string, Promise<void>>();
  /** Per path: resolved when the upstream has the request (and, for a body, some of it). */
  const upstreamGot = new Map<string, () => void>();

  const ACTS: Record<string, Act> = {
    '/bad-status': (s) => s.end('HTTP/1.1 2x0 OK\r\ncontent-length: 2\r\n\r\nok'),
    '/bad-header': (s) => s.end(`HTTP/1.1 200 OK\r\nx bad: ${CANARY}\r\ncontent-length: 2\r\n\r\nok`),
    '/bad-length': (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: abc\r\n\r\nok'),
    // undici reports a parser error after a Content-Length it read as a length mismatch.
    '/two-lengths': (s) => s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nok'),
    '/bad-chunk': (s) => s.end(`${HEAD_CHUNKED}zz\r\nhello\r\n0\r\n\r\n`),
    '/short': (s) => s.end('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 100\r\n\r\nonly-this'),
    '/bad-chunk-mid': (s) => {
      s.write(HEAD_CHUNKED + FIRST);
      then.set('/bad-chunk-mid', () => s.end('zz\r\nmore\r\n0\r\n\r\n'));
    },
    '/reset-mid': (s) => {
      s.write(HEAD_CHUNKED + FIRST);
      then.set('/reset-mid', () => s.resetAndDestroy());
    },
    '/stall-mid': (s) => s.write(HEAD_CHUNKED + FIRST), // and nothing more, ever
    '/stall-held': (s) => s.write(HEAD_CHUNKED + FIRST),
    '/download': (s) => s.write(HEAD_CHUNKED + FIRST), // the agent leaves after `first`
    '/hang': () => undefined, // no answer at all
  };

  before(async () => {
    upstream = createServer((s) => {
      let head = '';
      let path: string | null = null;
      let closed!: () => void;
      const isClosed = new Promise<void>((r) => (closed = r));
      s.on('close', () => closed());
      s.on('error', () => undefined);
      s.on('data', (c: Buffer) => {
        if (path !== null) {
          // Body bytes: the upload is under way.
          upstreamGot.get(path)?.();
          return;
        }
        head += c.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        path = /^\w+ (\S+)/.exec(head)![1]!;
        upstreamClosed.set(path, isClosed);
        if (head.length > end + 4 || !/^POST/.test(head)) upstreamGot.get(path)?.();
        ACTS[path]?.(s);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
    // timeouts.idle is also how long the gate waits for the upstream's head: at 400 ms a
    // pause of the (single) process on a loaded machine turned /bad-status's 502 into a 504
    // upstream_timeout. 2 s: the stall and idle cases below still end by it, a little later.
    g = await startTestGate(`
timeouts:
  idle: 2s
dns:
  hosts:
    held.test: 127.0.0.1
    open.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  # Response inspection on (the default): the head is held back until the body is scanned.
  - id: held
    hosts: [held.test]
  # No inspection: the head goes to the agent as soon as it arrives, an upload streams as it comes.
  - id: open
    hosts: [open.test]
    inspect:
      injection: off
      dlp: off
`);
  });
  after(async () => {
    await g.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  function requestHead(host: string, path: string, method = 'GET', extra = ''): string {
    return `${method} http://${host}:${port}${path} HTTP/1.1\r\nhost: ${host}:${port}\r\nproxy-authorization: ${g.auth}\r\n${extra}connection: close\r\n\r\n`;
  }

  /** The record for `path`, once written (bounded wait). */
  async function recordFor(path: string): Promise<AuditRecord> {
    for (let i = 0; i < 250; i++) {
      const r = g.audit.records.find((x) => x.path === path);
      if (r) return r;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`no audit record for ${path}`);
  }

  /** A raw exchange that calls `onSeen` once `marker` has reached the client. */
  function exchange(data: string, marker: string | null, onSeen: (s: Socket) => void): Promise<{ text: string; closedByGate: boolean }> {
    return new Promise((resolve, reject) => {
      const s = connect(g.port, '127.0.0.1', () => s.write(data));
      let text = '';
      let seen = false;
      let byUs = false;
      const guard = setTimeout(() => {
        byUs = true;
        s.destroy();
      }, 10_000);
      s.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (!seen && marker !== null && text.includes(marker)) {
          seen = true;
          onSeen(s);
          if (s.destroyed) byUs = true;
        }
      });
      s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
      s.on('close', () => {
        clearTimeout(guard);
        resolve({ text, closedByGate: !byUs });
      });
    });
  }

  /** Whether a raw response ended cleanly by its own framing (a complete chunked body). */
  function endedCleanly(text: string): boolean {
    return text.includes('\r\n0\r\n\r\n');
  }

  const logsFor = (id: string): Record<string, unknown>[] => g.logs.filter((l) => l.decision_id === id);

  for (const [path, host, code] of [
    ['/bad-status', 'held.test', 'HPE_INVALID_STATUS'],
    ['/bad-header', 'open.test', 'HPE_INVALID_HEADER_TOKEN'],
    ['/bad-length', 'open.test', 'HPE_INVALID_CONTENT_LENGTH'],
    ['/bad-chunk', 'held.test', 'HPE_INVALID_CHUNK_SIZE'],
    ['/two-lengths', 'open.test', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'],
  ] as const) {
    test(`a malformed response (${path}) is a 502 upstream_malformed_response with the parser's code, not a 500`, async () => {
      const { response } = await rawExchange(g.port, requestHead(host, path));
      const r = parseRawResponse(response);
      assert.equal(r.status, 502, response);
      // The gate's own status line: not the upstream's reason phrase on the gate's status.
      assert.match(response, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
      const body = JSON.parse(r.body) as { error: string; reason: string; decision_id: string };
      assert.equal(body.error, 'upstream_malformed_response');
      assert.ok(body.reason.includes(code), body.reason);
      const rec = await recordFor(path);
      assert.equal(rec.decision_id, body.decision_id);
      assert.equal(rec.outcome, 'error');
      assert.equal(rec.reason, 'upstream_malformed_response');
      // The record holds Sluice's code only; the parser's (or undici's) code is in the log.
      assert.equal(rec.error, 'upstream_malformed_response');
      assert.equal(rec.status, 502);
      const warn = logsFor(rec.decision_id).find((l) => l.level === 40);
      assert.ok(warn, 'the cause is logged');
      assert.equal(warn.code, code);
      // What the upstream sent (a header value may be a secret) is in no answer, record or log line.
      assert.ok(!response.includes(CANARY));
      assert.ok(!JSON.stringify(g.audit.records).includes(CANARY));
      assert.ok(!JSON.stringify(g.logs).includes(CANARY));
    });
  }

  test('a body shorter than its Content-Length, then a close: the agent cannot get a clean end; recorded as malformed', async () => {
    const { text, closedByGate } = await exchange(requestHead('open.test', '/short'), null, () => undefined);
    assert.ok(closedByGate);
    // The head went out with the upstream's length (100): the agent sees fewer bytes, then the cut.
    const r = parseRawResponse(text);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-length'], '100');
    assert.ok(Buffer.byteLength(r.body) < 100, text);
    const rec = await recordFor('/short');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.reason, 'upstream_malformed_response');
    assert.equal(rec.error, 'upstream_malformed_response');
    assert.ok(
      logsFor(rec.decision_id).some((l) => l.level === 40 && l.code === 'HPE_INVALID_EOF_STATE'),
      JSON.stringify(logsFor(rec.decision_id)),
    );
  });

  for (const [path, reason, logged] of [
    ['/bad-chunk-mid', 'upstream_malformed_response', 'HPE_INVALID_CHUNK_SIZE'],
    ['/reset-mid', 'upstream_body_reset', 'upstream_body_reset'],
    ['/stall-mid', 'upstream_body_timeout', 'upstream_body_timeout'],
  ] as const) {
    test(`a body that fails after the head reached the agent (${path}) is cut, and recorded as ${reason}, not allow`, async () => {
      const { text, closedByGate } = await exchange(requestHead('open.test', path), 'first', () => then.get(path)?.());
      assert.ok(text.startsWith('HTTP/1.1 200 '), text);
      assert.ok(text.includes('first'));
      assert.ok(closedByGate, 'the gate closed the connection');
      assert.equal(endedCleanly(text), false, `the agent must not see a clean end: ${JSON.stringify(text)}`);
      const rec = await recordFor(path);
      assert.equal(rec.outcome, 'error');
      assert.equal(rec.reason, reason);
      assert.equal(rec.error, reason);
      assert.ok(
        logsFor(rec.decision_id).some((l) => l.level === 40 && l.code === logged),
        JSON.stringify(logsFor(rec.decision_id)),
      );
      await upstreamClosed.get(path);
    });
  }

  test('a stalled body under response inspection: a 504 upstream_body_timeout, or a cut if the head had left', async () => {
    // held.test holds the head until the body is scanned or the hold time passes (then
    // it flushes what it has): either answer is honest, and the record is the same.
    const { text, closedByGate } = await exchange(requestHead('held.test', '/stall-held'), null, () => undefined);
    assert.ok(closedByGate);
    const rec = await recordFor('/stall-held');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.reason, 'upstream_body_timeout');
    if (text.startsWith('HTTP/1.1 504 ')) assert.equal((JSON.parse(parseRawResponse(text).body) as { error: string }).error, 'upstream_body_timeout');
    else assert.equal(endedCleanly(text), false, text);
  });

  test('an agent that leaves mid-download is recorded as client_aborted, logged at debug, and the upstream is let go', async () => {
    const from = g.logs.length;
    const { closedByGate } = await exchange(requestHead('open.test', '/download'), 'first', (s) => s.destroy());
    assert.equal(closedByGate, false);
    const rec = await recordFor('/download');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.reason, 'client_aborted');
    assert.equal(rec.error, 'client_aborted');
    await upstreamClosed.get('/download');
    assertAbortLogged(from, rec.decision_id);
  });

  test('an agent that leaves while the upstream has not answered is recorded as client_aborted', async () => {
    const from = g.logs.length;
    const got = new Promise<void>((r) => upstreamGot.set('/hang', r));
    const s = connect(g.port, '127.0.0.1', () => s.write(requestHead('open.test', '/hang')));
    s.on('error', () => undefined);
    await got;
    s.destroy();
    const rec = await recordFor('/hang');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.error, 'client_aborted');
    assert.equal(rec.status, 0);
    await upstreamClosed.get('/hang');
    assertAbortLogged(from, rec.decision_id);
  });

  test('an agent that leaves mid-upload is recorded as client_aborted, and the upstream never gets a whole body', async () => {
    const from = g.logs.length;
    const got = new Promise<void>((r) => upstreamGot.set('/upload', r));
    const s = connect(g.port, '127.0.0.1', () =>
      s.write(requestHead('open.test', '/upload', 'POST', 'content-type: application/octet-stream\r\ncontent-length: 100000\r\n') + 'x'.repeat(1000)),
    );
    s.on('error', () => undefined);
    await got;
    s.destroy();
    const rec = await recordFor('/upload');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.error, 'client_aborted');
    await upstreamClosed.get('/upload');
    assertAbortLogged(from, rec.decision_id);
  });

  test('an agent that stops sending mid-upload for timeouts.idle is cut and recorded as client_idle_timeout', async () => {
    const got = new Promise<void>((r) => upstreamGot.set('/upload-stalled', r));
    const s = connect(g.port, '127.0.0.1', () =>
      s.write(requestHead('open.test', '/upload-stalled', 'POST', 'content-type: application/octet-stream\r\ncontent-length: 100000\r\n') + 'x'.repeat(1000)),
    );
    s.on('error', () => undefined);
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    await got;
    // And nothing more from the agent: the gate's idle timeout ends it.
    await closed;
    const rec = await recordFor('/upload-stalled');
    assert.equal(rec.outcome, 'error');
    assert.equal(rec.reason, 'client_idle_timeout');
    assert.equal(rec.error, 'client_idle_timeout');
    await upstreamClosed.get('/upload-stalled');
  });

  /** No warning or error was logged since `from`, and the abort has its debug line. */
  function assertAbortLogged(from: number, id: string): void {
    const since = g.logs.slice(from);
    assert.deepEqual(
      since.filter((l) => (l.level as number) >= 40),
      [],
      'a client abort is not a warning or an internal error',
    );
    assert.ok(
      since.some((l) => l.level === 20 && l.decision_id === id && /client aborted/.test(String(l.msg))),
      JSON.stringify(since),
    );
  }
});

/**
 * The response body filters on their own (no sockets): scrub and hold chained onto a
 * recording stand-in for the agent's response, and the inspect filter's whole-body
 * path, which must need neither a pause nor a promise.
 */
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import type { Finding } from '../../src/audit/fields.js';
import type { BodyFilter, ResponseFlow } from '../../src/proxy/pipeline/response/chain.js';
import { HoldFilter } from '../../src/proxy/pipeline/response/hold.js';
import { HOLD_UPSTREAM_BYTES, InspectFilter } from '../../src/proxy/pipeline/response/inspect.js';
import { ScrubFilter } from '../../src/proxy/pipeline/response/scrub.js';
import type { RequestContext } from '../../src/proxy/request-context.js';
import { planResponseInspection, ResponseBlockedError, type BodyInspector } from '../../src/proxy/response-inspector.js';
import { InjectionScanner } from '../../src/inspect/injection/scanner.js';

const SECRET = 'sk-live-0123456789abcdef';

/** A stand-in for the agent's response and the exchange driving the chain: records what happens. */
function fakeFlow(): ResponseFlow & { writes: string[]; ended: string | null; headers: Map<string, unknown>; events: string[] } {
  const findings: Finding[] = [];
  const headers = new Map<string, unknown>();
  const writes: string[] = [];
  const events: string[] = [];
  const flow = {
    writes,
    headers,
    events,
    ended: null as string | null,
    failed: false,
    res: {
      get headersSent(): boolean {
        return writes.length > 0 || flow.ended !== null;
      },
      write(chunk: Buffer): boolean {
        writes.push(chunk.toString());
        return true;
      },
      end(chunk?: Buffer): void {
        flow.ended = chunk ? chunk.toString() : '';
      },
      setHeader(k: string, v: unknown): void {
        headers.set(k, v);
      },
    } as unknown as ServerResponse,
    ctx: { findings } as unknown as RequestContext,
    pause: () => events.push('pause'),
    resume: () => events.push('resume'),
    stall: () => events.push('stall'),
    fail: (err: Error) => events.push(`fail:${err.message}`),
    done: () => events.push('done'),
  };
  return flow;
}

/** An inspector that passes bytes as they are, holding the head for `holdBytes`. */
function passingInspector(holdBytes: number): BodyInspector & { pushed: number } {
  return {
    findings: [],
    decodes: false,
    holdBytes,
    pushed: 0,
    push(chunk: Buffer) {
      this.pushed++;
      return Promise.resolve([chunk]);
    },
    end: () => Promise.resolve([]),
    scanWhole: (body: Buffer) => [body],
  };
}

test('scrub then hold: a secret split across chunks is redacted, and a body within the hold leaves in one write with its length', () => {
  const flow = fakeFlow();
  const hold = new HoldFilter(flow, passingInspector(1024));
  const scrub: BodyFilter = new ScrubFilter(flow.ctx, [Buffer.from(SECRET)], hold);
  assert.equal(hold.holding, true);
  assert.equal(scrub.push(Buffer.from(`token=${SECRET.slice(0, 10)}`)), true);
  assert.equal(scrub.push(Buffer.from(`${SECRET.slice(10)}; ok`)), true);
  assert.deepEqual(flow.writes, [], 'the head and the first bytes wait for the hold');
  scrub.end();
  assert.equal(flow.ended, 'token=[REDACTED:sluice]; ok');
  assert.equal(flow.headers.get('content-length'), Buffer.byteLength('token=[REDACTED:sluice]; ok'));
  assert.deepEqual(flow.ctx.findings, [{ type: 'reflected_secret', location: 'response', action: 'redact' }]);
  assert.deepEqual(flow.events, ['done']);
});

test('hold: past holdBytes the held bytes go in one write and the rest straight through; release() lets a short head go', () => {
  const flow = fakeFlow();
  const hold = new HoldFilter(flow, passingInspector(8));
  hold.push(Buffer.from('abcd'));
  assert.equal(hold.waiting, 4);
  hold.push(Buffer.from('efgh'));
  assert.deepEqual(flow.writes, ['abcdefgh']);
  hold.push(Buffer.from('ij'));
  assert.deepEqual(flow.writes, ['abcdefgh', 'ij']);
  hold.end();
  assert.equal(flow.ended, '', 'a body that outgrew the hold ends without a length of its own');

  const timed = fakeFlow();
  const h2 = new HoldFilter(timed, passingInspector(8));
  assert.equal(h2.release(), true, 'nothing held: nothing to release');
  assert.equal(h2.holding, true, 'the head still waits for its first bytes');
  h2.push(Buffer.from('ab'));
  h2.release();
  assert.deepEqual(timed.writes, ['ab']);
  assert.equal(h2.holding, false);
});

test('hold without an inspector (or with holdBytes 0): no hold, bytes go straight to the agent', () => {
  const flow = fakeFlow();
  const hold = new HoldFilter(flow, null);
  assert.equal(hold.holding, false);
  hold.push(Buffer.from('x'));
  hold.push(Buffer.alloc(0));
  assert.deepEqual(flow.writes, ['x']);
  assert.equal(new HoldFilter(fakeFlow(), passingInspector(0)).holding, false);
});

test('inspect: a body whose declared length comes in one chunk is inspected whole at the end, without a pause or a push', () => {
  const flow = fakeFlow();
  const insp = passingInspector(1024);
  const hold = new HoldFilter(flow, insp);
  const first = new InspectFilter(flow, insp, hold, '5');
  assert.equal(first.push(Buffer.from('hello')), true);
  first.end();
  assert.equal(insp.pushed, 0, 'scanWhole, not push');
  assert.equal(flow.ended, 'hello');
  assert.deepEqual(flow.events, ['done'], 'no pause, and done within end()');
});

test('inspect: a body longer than declared is pushed in order; the upstream is held only while HOLD_UPSTREAM_BYTES wait for their scan', async () => {
  const flow = fakeFlow();
  const insp = passingInspector(1024);
  const hold = new HoldFilter(flow, insp);
  const first = new InspectFilter(flow, insp, hold, '3');
  first.push(Buffer.from('abc'));
  first.push(Buffer.from('def'));
  first.end();
  await new Promise((r) => setImmediate(r));
  assert.equal(insp.pushed, 2);
  assert.equal(flow.ended, 'abcdef');
  // Small chunks do not hold the upstream (undici would re-read its socket's buffer at every resume).
  assert.deepEqual(flow.events, ['done']);

  const flow2 = fakeFlow();
  const insp2 = passingInspector(1024 * 1024);
  const first2 = new InspectFilter(flow2, insp2, new HoldFilter(flow2, insp2), undefined);
  first2.push(Buffer.alloc(HOLD_UPSTREAM_BYTES / 2, 0x61));
  assert.deepEqual(flow2.events, []);
  first2.push(Buffer.alloc(HOLD_UPSTREAM_BYTES / 2, 0x62));
  assert.deepEqual(flow2.events, ['pause'], 'held once HOLD_UPSTREAM_BYTES wait');
  first2.end();
  await new Promise((r) => setImmediate(r));
  assert.equal(flow2.ended?.length, HOLD_UPSTREAM_BYTES);
  assert.deepEqual(flow2.events, ['pause', 'resume', 'done']);
});

test('inspect: chunks that come while a scan runs go to the inspector together, in order', async () => {
  const flow = fakeFlow();
  const insp = passingInspector(0);
  const first = new InspectFilter(flow, insp, new HoldFilter(flow, insp), undefined);
  const chunks = Array.from({ length: 300 }, (_, i) => `event ${i}\n`);
  // As undici delivers a read of many small chunks: all in one synchronous run.
  for (const c of chunks) first.push(Buffer.from(c));
  await new Promise((r) => setImmediate(r));
  for (const c of chunks.slice(0, 50)) first.push(Buffer.from(c.toUpperCase()));
  first.end();
  await new Promise((r) => setImmediate(r));
  assert.ok(insp.pushed <= 3, `${insp.pushed} inspector pushes for 350 chunks`);
  assert.equal([...flow.writes, flow.ended ?? ''].join(''), chunks.join('') + chunks.slice(0, 50).join('').toUpperCase());
});

test('an event-stream line over 1 MiB is refused however the bytes were cut, and the refusal is on the record', async () => {
  const opts = { scanner: new InjectionScanner(), action: 'block' as const, holdBytes: 0, maxDecompressedBytes: 1e8, maxRatio: 100, holdMs: 50 };
  const line = Buffer.concat([Buffer.from('data: '), Buffer.alloc(1024 * 1024 + 10, 0x61), Buffer.from('\n\ndata: ok\n\n')]);
  for (const cut of [256, 64 * 1024, line.length]) {
    const insp = planResponseInspection('GET', 200, { 'content-type': 'text/event-stream' }, opts)!;
    let refused: unknown = null;
    try {
      for (let at = 0; at < line.length; at += cut) await insp.push(line.subarray(at, at + cut));
      await insp.end();
    } catch (err) {
      refused = err;
    }
    assert.ok(refused instanceof ResponseBlockedError, `cut at ${cut}: refused`);
    assert.equal(refused.error, 'response_unreadable');
  }
  // Through the filter: the refusal reaches the flow with its finding (the flow puts it on the record).
  const flow = fakeFlow();
  let failure: unknown = null;
  flow.fail = (err: Error) => {
    failure = err;
    flow.events.push(`fail:${err.message}`);
  };
  const insp = planResponseInspection('GET', 200, { 'content-type': 'text/event-stream' }, opts)!;
  const filter = new InspectFilter(flow, insp, new HoldFilter(flow, insp), undefined);
  filter.push(line);
  filter.end();
  for (let i = 0; i < 500 && !flow.events.some((e) => e.startsWith('fail:')); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(
    flow.events.some((e) => e.startsWith('fail:')),
    flow.events.join(),
  );
  assert.ok(failure instanceof ResponseBlockedError);
  assert.deepEqual(
    failure.findings.map((f) => [f.type, f.location]),
    [['response_unreadable', 'response.body']],
  );
});

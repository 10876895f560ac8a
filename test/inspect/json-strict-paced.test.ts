import { test } from 'node:test';
import assert from 'node:assert/strict';
import { foldKey, readJsonRpcStrictPaced, readJsonStrict, STEP_BYTES } from '../../src/inspect/json-strict.js';
import { PACED_BYTES, recogniseJsonRpc, recogniseJsonRpcPaced } from '../../src/inspect/mcp/recognise.js';
import { recogniseRequest, recogniseRequestPaced } from '../../src/proxy/mcp/charset.js';
import { ScanBudgetError, ScanPace } from '../../src/inspect/scan-pace.js';

// Short payloads from every class the strict reader decides, each padded past one
// validation step and one decode slice (the paced reader must cut them anywhere).
const call = (extra: string): string => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"files.delete"${extra}}}`;
const PAD = ' '.repeat(300 * 1024);
const SHORT = [
  call(''),
  call(',"name":"tickets.create"'),
  call(`,"x":${'['.repeat(100)}${']'.repeat(100)}`),
  `${call('')} trailing`,
  '{"JSONRPC":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}',
  '{"jsonrpc":"2.0","id":1,"Method":"tools/call","params":{"name":"x"}}',
  '{"jsonrpc":"2.0","id":[1],"method":"tools/call","params":{"name":"x"}}',
  '[{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"a","result":{}}]',
  '[{"a":1},{"jsonrpc":"2.0","id":2,"method":"tools/list"}]',
  '{"user":12345678901234567891,"method":"POST"}',
  '{"a":1,"a":2}',
  '{"jsonrpc":"2.0","id":null,"method":"eth_call"}',
  '{"method":"tools/call"}',
  '{"p":{"jsonrpc":"2.0","id":1,"method":"tools/call"}}',
  '[[{"jsonrpc":"2.0","id":1,"method":"tools/call"}]]',
  '{"j\\u0073onrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}',
  '{"j\u017fonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}',
  '{"id":12345678901234567891,"jsonrpc":"2.0","method":"tools/call"}',
  '"just a string"',
  '12',
  'not json, jsonrpc',
  '\ufeff{"jsonrpc":"2.0","id":1,"method":"tools/call"}',
  '{"a":"\\ud800"}',
  '{"a":1,}',
  '[1',
];

/** Whether a top-level object, or an object directly in a top-level array, has a key that folds to jsonrpc. */
const messageLevelKey = (v: unknown): boolean =>
  (Array.isArray(v) ? (v as unknown[]) : [v]).some(
    (m) => m !== null && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).some((k) => foldKey(k) === 'jsonrpc'),
  );

const padded = (s: string, at: 'before' | 'inside' | 'after'): string => {
  if (at === 'before') return s.startsWith('\ufeff') ? s : `${PAD}${s}`;
  if (at === 'after') return `${s}${PAD}`;
  // Inside: after the first comma or colon, where JSON allows whitespace.
  const i = s.search(/[,:]/);
  return i < 0 ? `${s}${PAD}` : `${s.slice(0, i + 1)}${PAD}${s.slice(i + 1)}`;
};

test('the paced strict reader decides every payload as the one-call reader does, wherever the steps cut it', async () => {
  for (const s of SHORT) {
    for (const at of ['before', 'inside', 'after'] as const) {
      const text = padded(s, at);
      const buf = Buffer.from(text);
      const whole = readJsonStrict(buf);
      const paced = await readJsonRpcStrictPaced(buf, {}, new ScanPace(60_000));
      const label = `${JSON.stringify(s.slice(0, 60))} padded ${at}`;
      assert.equal(paced.ok, whole.ok, label);
      if (!paced.ok && !whole.ok) assert.equal(paced.code, whole.code, label);
      if (paced.ok && whole.ok) {
        if ('noJsonRpc' in paced) assert.ok(!messageLevelKey(whole.value), `${label}: a message-level jsonrpc key was missed`);
        else assert.deepEqual(paced.value, whole.value, label);
      }
      const r1 = recogniseJsonRpc(buf, { known: false });
      const r2 = await recogniseJsonRpcPaced(buf, { known: false }, new ScanPace(60_000));
      assert.deepEqual(r2, r1, `recognised, unknown conversation: ${label}`);
      const k1 = recogniseJsonRpc(buf, { known: true });
      const k2 = await recogniseJsonRpcPaced(buf, { known: true }, new ScanPace(60_000));
      assert.deepEqual(k2, k1, `recognised, known conversation: ${label}`);
    }
  }
});

test('invalid UTF-8 anywhere in a long payload, or a character cut by a decode slice, is read as the one-call reader reads it', async () => {
  const base = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","t":"${'é'.repeat(100_000)}"}}`;
  const good = Buffer.from(base);
  for (let shift = 0; shift < 3; shift++) {
    // Shift the text so a two-byte character straddles the 16 KiB decode slices differently.
    const buf = Buffer.concat([Buffer.from(' '.repeat(shift)), good]);
    const r = await readJsonRpcStrictPaced(buf, {}, new ScanPace(60_000));
    assert.ok(r.ok && !('noJsonRpc' in r), `shift ${shift}`);
    assert.deepEqual(r.value, JSON.parse(base));
  }
  const bad = Buffer.from(good);
  bad[bad.length - 40] = 0xff;
  const r = await readJsonRpcStrictPaced(bad, {}, new ScanPace(60_000));
  assert.ok(!r.ok && r.code === 'invalid_utf8');
  assert.equal((await recogniseJsonRpcPaced(bad, { known: false }, new ScanPace(60_000))).kind, 'unreadable');
});

test('a long JSON body with no JSON-RPC key is ordinary without being parsed; the event loop turns while it is read', async () => {
  const items = Array.from({ length: 40_000 }, (_, i) => ({ id: i, name: `item ${i}`, tags: ['a', 'b'], nested: { jsonrpc: 'not at message level' } }));
  const buf = Buffer.from(JSON.stringify({ items }));
  assert.ok(buf.length > 1_000_000);
  const pace = new ScanPace(60_000);
  let turns = 0;
  const ticker = setInterval(() => turns++, 0);
  const r = await readJsonRpcStrictPaced(buf, {}, pace);
  clearInterval(ticker);
  assert.ok(r.ok && 'noJsonRpc' in r, 'a nested jsonrpc key is no message-level key');
  assert.ok(pace.yields > 3, `yields: ${pace.yields}`);
  assert.ok(turns > 0, 'timers ran while the body was read');
  assert.deepEqual(await recogniseJsonRpcPaced(buf, { known: false }, new ScanPace(60_000)), { kind: 'ordinary' });
  // The same body as one JSON-RPC request (a long argument) is parsed and recognised.
  const rpc = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'bulk.import', arguments: { items } } }));
  const got = await recogniseJsonRpcPaced(rpc, { known: false }, new ScanPace(60_000));
  assert.equal(got.kind, 'rpc');
  assert.deepEqual(got, recogniseJsonRpc(rpc, { known: false }));
});

test('reading past the exchange budget throws ScanBudgetError (the intake refuses the body)', async () => {
  const buf = Buffer.from(`[${Array.from({ length: 200_000 }, (_, i) => `{"k":${i}}`).join(',')}]`);
  await assert.rejects(readJsonRpcStrictPaced(buf, {}, new ScanPace(0.001)), ScanBudgetError);
});

test('a request body is recognised in paced steps past PACED_BYTES, with the same answer', async () => {
  const long = Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","a":"${'x'.repeat(PACED_BYTES)}"}}`);
  const short = Buffer.from(call(''));
  for (const [body, type] of [
    [long, 'application/json'],
    [short, 'application/json'],
    [long, 'text/plain'],
    [Buffer.from(`${'word '.repeat(PACED_BYTES)}`), 'text/plain'],
  ] as const) {
    const pace = new ScanPace(60_000);
    const got = recogniseRequestPaced(body, type, false, 4 << 20, pace);
    assert.equal(got instanceof Promise, body.length > PACED_BYTES && body[0] === 0x7b, `${type} ${body.length}`);
    assert.deepEqual(await got, recogniseRequest(body, type, false, 4 << 20));
  }
  // A declared charset other than UTF-8 is read as before (decoded in that charset).
  const utf16 = Buffer.from(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"a":"${'x'.repeat(PACED_BYTES)}"}}`, 'utf16le');
  assert.equal((await recogniseRequestPaced(utf16, 'application/json; charset=utf-16le', false, 4 << 20, new ScanPace(60_000))).kind, 'unreadable');
});

test('a 4 MiB ordinary JSON document is validated over its bytes: one pass of STEP_BYTES steps, no text made of it', async () => {
  // The stall benchmark's shape (bench/stall-shapes.ts, json-4mib): read ahead by the MCP intake because it could be JSON-RPC.
  const items: string[] = [];
  for (let i = 0, len = 2; len < 4 * 1024 * 1024 - 256; i++) {
    items.push(JSON.stringify({ id: i, name: `record ${i}`, tags: ['alpha', 'beta'], ok: i % 2 === 0, score: i * 0.25 }));
    len += items[i]!.length + 1;
  }
  const buf = Buffer.from(`[${items.join(',')}]`);
  // Watch every string made from the document's memory, through each decoder the reader could use.
  let longest = 0;
  const fromDoc = (bytes: unknown): boolean => ArrayBuffer.isView(bytes) && bytes.buffer === buf.buffer;
  type Decode = (this: unknown, ...args: unknown[]) => string;
  const restore: Array<() => void> = [];
  const watch = (proto: object, name: string, input: (self: unknown, args: unknown[]) => unknown): void => {
    const methods = proto as Record<string, Decode>;
    const original = methods[name]!;
    methods[name] = function (this: unknown, ...args: unknown[]): string {
      const s = original.apply(this, args);
      if (fromDoc(input(this, args))) longest = Math.max(longest, s.length);
      return s;
    };
    restore.push(() => (methods[name] = original));
  };
  watch(TextDecoder.prototype, 'decode', (_self, args) => args[0]);
  watch(Buffer.prototype as object, 'utf8Slice', (self) => self);
  watch(Buffer.prototype as object, 'latin1Slice', (self) => self);
  class CountedPace extends ScanPace {
    steps = 0;
    override run<T>(work: () => T): T {
      this.steps++;
      return super.run(work);
    }
  }
  const pace = new CountedPace(60_000);
  let read: Awaited<ReturnType<typeof readJsonRpcStrictPaced>>;
  try {
    read = await readJsonRpcStrictPaced(buf, {}, pace);
  } finally {
    for (const undo of restore) undo();
  }
  assert.deepEqual(read, { ok: true, noJsonRpc: true });
  // Only keys are decoded (the old reader decoded the whole document, 16 KiB a slice, then joined the slices into one string).
  assert.ok(longest <= 16, `longest string made of the document: ${longest}`);
  // One pass over the bytes in steps of STEP_BYTES (the old reader: 256 decode slices, then the validation steps).
  assert.ok(pace.steps <= Math.ceil(buf.length / STEP_BYTES) + 1, `steps: ${pace.steps} for ${buf.length} bytes`);
  assert.ok(pace.yields >= pace.steps - 1, `yields: ${pace.yields}`);
});

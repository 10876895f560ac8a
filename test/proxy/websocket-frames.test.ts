import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  applyMask,
  CLOSE,
  closePayload,
  encodeFrame,
  FrameError,
  frameParts,
  OP,
  payloadOf,
  SEPARATE_PAYLOAD_BYTES,
  sliceParts,
  unmaskPayload,
  type Frame,
} from '../../src/proxy/websocket/frames.js';
import { FrameParser } from '../../src/proxy/websocket/frame-parser.js';

function parseAll(bytes: Buffer, opts: { limit?: number; chunk?: number } = {}): Frame[] {
  const p = new FrameParser(() => opts.limit ?? 1 << 24);
  const out: Frame[] = [];
  const step = opts.chunk ?? bytes.length;
  for (let i = 0; i < bytes.length; i += step) p.push(bytes.subarray(i, i + step), (f) => (out.push(f), true));
  assert.equal(p.buffered, 0);
  return out;
}

describe('RFC 6455 frames', () => {
  for (const n of [0, 1, 125, 126, 65_535, 65_536, 200_000]) {
    test(`a ${n}-byte payload round-trips, masked and unmasked, fed whole and in 7-byte pieces`, () => {
      const payload = randomBytes(n);
      for (const mask of ['new', null] as const) {
        const wire = encodeFrame({ fin: true, opcode: OP.binary, payload, mask });
        for (const chunk of [wire.length, 7]) {
          const [f, ...rest] = parseAll(wire, { chunk });
          assert.equal(rest.length, 0);
          assert.ok(f);
          assert.equal(f.fin, true);
          assert.equal(f.opcode, OP.binary);
          assert.equal(f.mask === null, mask === null);
          assert.equal(f.wireBytes, wire.length);
          assert.ok(unmaskPayload(f).equals(payload));
        }
      }
    });
  }

  test('a forwarded frame keeps its mask key and masked bytes', () => {
    const key = randomBytes(4);
    const clear = Buffer.from('binary as received');
    const wire = encodeFrame({ fin: true, opcode: OP.binary, payload: applyMask(clear, key), mask: key });
    const [f] = parseAll(wire);
    assert.ok(f!.mask!.equals(key));
    assert.ok(encodeFrame({ fin: f!.fin, opcode: f!.opcode, payload: payloadOf(f!), mask: f!.mask }).equals(wire));
  });

  test('several frames in one chunk come out in order', () => {
    const wire = Buffer.concat([
      encodeFrame({ fin: true, opcode: OP.ping, payload: Buffer.from('p'), mask: null }),
      encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.from('a'), mask: null }),
      encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(CLOSE.normal, 'bye'), mask: null }),
    ]);
    assert.deepEqual(
      parseAll(wire).map((f) => f.opcode),
      [OP.ping, OP.text, OP.close],
    );
  });

  test('a frame over the limit is refused from its header alone (1009), before its payload arrives', () => {
    const p = new FrameParser(() => 1000);
    const head = encodeFrame({ fin: true, opcode: OP.text, payload: Buffer.alloc(1001), mask: null }).subarray(0, 4);
    assert.throws(
      () => p.push(head, () => true),
      (e: unknown) => e instanceof FrameError && e.code === CLOSE.tooBig,
    );
    // A 64-bit length announcing 2^62 bytes costs nothing either.
    const huge = Buffer.from([0x82, 0x7f, 0x40, 0, 0, 0, 0, 0, 0, 0]);
    assert.throws(
      () => new FrameParser(() => 1 << 20).push(huge, () => true),
      (e: unknown) => e instanceof FrameError && e.code === CLOSE.tooBig,
    );
  });

  test('control frames must be short and unfragmented (1002)', () => {
    const long = encodeFrame({ fin: true, opcode: OP.ping, payload: Buffer.alloc(126), mask: null });
    assert.throws(
      () => parseAll(long),
      (e: unknown) => e instanceof FrameError && e.code === CLOSE.protocolError,
    );
    const fragmented = encodeFrame({ fin: false, opcode: OP.ping, payload: Buffer.alloc(1), mask: null });
    assert.throws(
      () => parseAll(fragmented),
      (e: unknown) => e instanceof FrameError && e.code === CLOSE.protocolError,
    );
  });

  test('a 64-bit length with the top bit set is a protocol error', () => {
    const bad = Buffer.from([0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1]);
    assert.throws(
      () => parseAll(bad),
      (e: unknown) => e instanceof FrameError && e.code === CLOSE.protocolError,
    );
  });

  test('a close reason is cut to fit 125 bytes without splitting a character', () => {
    const p = closePayload(CLOSE.policyViolation, 'é'.repeat(100));
    assert.ok(p.length <= 125);
    assert.equal(p.readUInt16BE(0), 1008);
    assert.doesNotMatch(p.subarray(2).toString('utf8'), /\uFFFD/);
  });
});

describe('frameParts', () => {
  test('the same bytes as encodeFrame, a long payload sent as it is (not copied)', () => {
    for (const len of [0, 125, 126, 65_535, SEPARATE_PAYLOAD_BYTES - 1, SEPARATE_PAYLOAD_BYTES, 65_536 + 7, 1024 * 1024]) {
      for (const mask of [null, randomBytes(4)]) {
        const payload = randomBytes(len);
        const parts = frameParts({ fin: len % 2 === 0, opcode: OP.binary, mask, parts: [payload], length: len });
        assert.deepEqual(
          Buffer.concat(parts),
          encodeFrame({ fin: len % 2 === 0, opcode: OP.binary, payload, mask }),
          `${len} bytes, ${mask ? 'masked' : 'unmasked'}`,
        );
        if (len >= SEPARATE_PAYLOAD_BYTES) {
          assert.equal(parts.length, 2);
          assert.equal(parts[1], payload, 'the payload itself, no copy');
        } else assert.equal(parts.length, 1);
        // And it parses back to the frame it was.
        const parser = new FrameParser(() => Infinity);
        const got: Frame[] = [];
        parser.push(Buffer.concat(parts), (f) => (got.push(f), true));
        assert.equal(got.length, 1);
        assert.equal(got[0]!.length, len);
        assert.deepEqual(unmaskPayload(got[0]!), mask ? applyMask(payload, mask) : payload);
      }
    }
  });
});

describe('a long payload comes out as the pieces it was read in, never copied whole', () => {
  const MIB = 1024 * 1024;
  const reads: Array<[string, () => number]> = [
    ['64 KiB', () => 64 * 1024],
    ['1000-byte', () => 1000],
    ['random-size (1 B to 9 KB)', () => 1 + randomInt(9000)],
  ];
  for (const [name, size] of reads) {
    for (const masked of [true, false]) {
      test(`a 1 MiB frame fed in ${name} reads, ${masked ? 'masked' : 'unmasked'}: its pieces are the payload, in memory of the reads`, () => {
        const clear = randomBytes(MIB);
        const key = masked ? randomBytes(4) : null;
        const wire = encodeFrame({ fin: true, opcode: OP.binary, payload: key ? applyMask(clear, key) : clear, mask: key });
        const parser = new FrameParser(() => 1 << 24);
        const got: Frame[] = [];
        const chunks: Buffer[] = [];
        for (let at = 0; at < wire.length;) {
          const chunk = Buffer.from(wire.subarray(at, at + size())); // memory of its own, as a socket read is
          chunks.push(chunk);
          at += chunk.length;
          parser.push(chunk, (f) => (got.push(f), true));
        }
        assert.equal(got.length, 1);
        assert.equal(parser.buffered, 0);
        const f = got[0]!;
        assert.equal(f.length, MIB);
        assert.equal(
          f.parts.reduce((n, p) => n + p.length, 0),
          MIB,
        );
        assert.deepEqual(unmaskPayload(f), clear);
        assert.ok(f.parts.length > 1, `${f.parts.length} pieces`);
        // Nothing was copied into a buffer the size of the payload: every piece lies in
        // memory no larger than a read (or than the buffer short reads are gathered in).
        for (const p of f.parts) assert.ok(p.buffer.byteLength <= 64 * 1024, `a piece in ${p.buffer.byteLength} bytes of memory`);
        if (name === '64 KiB') {
          // Reads this long are not copied at all: each piece is a view of a pushed read
          // (but the last, a short read of 14 bytes: gathered).
          const reads = new Set(chunks.map((c) => c.buffer));
          assert.ok(f.parts.slice(0, -1).every((p) => reads.has(p.buffer)));
          assert.equal(f.parts.length, chunks.length);
        }
        if (name === '1000-byte') {
          // Short reads are gathered: far fewer pieces than reads.
          assert.ok(f.parts.length * 10 < chunks.length, `${f.parts.length} pieces from ${chunks.length} reads`);
        }
      });
    }
  }

  test('frames behind a long one, and frames whose header is cut by a read, come out whole and in order', () => {
    const sent = [70_000, 5, 0, 125, 300_000, 1].map((n) => randomBytes(n));
    const key = randomBytes(4);
    const wire = Buffer.concat(sent.map((payload) => encodeFrame({ fin: true, opcode: OP.binary, payload: applyMask(payload, key), mask: key })));
    const parser = new FrameParser(() => 1 << 24);
    const got: Frame[] = [];
    for (let at = 0; at < wire.length;) {
      const n = 1 + randomInt(randomInt(2) === 0 ? 7 : 20_000);
      parser.push(Buffer.from(wire.subarray(at, at + n)), (f) => (got.push(f), true));
      at += n;
    }
    assert.deepEqual(got.map(unmaskPayload), sent);
    assert.ok(got[4]!.parts.length > 1, 'the 300 KB frame in pieces');
  });

  test('sliceParts cuts pieces where one buffer would be cut: views inside a piece, a copy across pieces, and a key that stays in phase', () => {
    const clear = randomBytes(200_000);
    const key = randomBytes(4);
    const masked = applyMask(clear, key);
    const pieces: Buffer[] = [];
    for (let at = 0; at < masked.length;) {
      const n = 1 + randomInt(randomInt(3) === 0 ? 50 : 40_000);
      pieces.push(masked.subarray(at, at + n));
      at += n;
    }
    const size = 16 * 1024;
    const slices = [...sliceParts(pieces, size)];
    assert.equal(slices.length, Math.ceil(clear.length / size));
    slices.forEach((s, i) => {
      assert.deepEqual(s, masked.subarray(i * size, (i + 1) * size));
      assert.deepEqual(applyMask(s, key), clear.subarray(i * size, (i + 1) * size), `slice ${i} unmasks with the key as it is`);
    });
    // A piece longer than a slice is cut into views of itself (same memory, no copy).
    const one = [...sliceParts([masked], size)];
    assert.ok(one.every((s) => s.buffer === masked.buffer));
    assert.deepEqual([...sliceParts([], size)], []);
  });
});

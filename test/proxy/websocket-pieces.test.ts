import assert from 'node:assert/strict';
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { CLOSE, closePayload, encodeFrame, OP, unmaskPayload, type Frame } from '../../src/proxy/websocket/frames.js';
import { FrameParser } from '../../src/proxy/websocket/frame-parser.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { CONFIG, INJECTED, MIB, prose, STORED, waitFor } from '../helpers/ws-long.js';
import { rawWs } from '../helpers/ws-raw.js';

/**
 * 1 MiB messages through the gate as they come off a real connection: masked by the
 * agent, in many TCP reads of every size (some gathered, some kept as they came), each
 * way. The bytes the upstream gets, and those that come back, are the bytes sent
 * (SHA-256). The gate runs in this process, so every long frame a FrameParser reads is
 * seen too: it comes out as the pieces it was read in, never copied whole into new memory.
 */

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Every frame over 1 MiB on the wire that a FrameParser in this process read (the gate's, and the raw client's). */
const longFrames: Frame[] = [];
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
const next = FrameParser.prototype.next;
FrameParser.prototype.next = function (this: FrameParser) {
  const f = next.call(this);
  if (f !== null && f.wireBytes > MIB) longFrames.push(f);
  return f;
};

/** A `ws` server on loopback that echoes each message and keeps the SHA-256 of each. */
async function startEcho(): Promise<{ port: number; received: Array<{ binary: boolean; sha: string }>; close(): Promise<void> }> {
  const server = createServer();
  const received: Array<{ binary: boolean; sha: string }> = [];
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 8 * MIB });
  wss.on('connection', (ws) =>
    ws.on('message', (data: Buffer, binary) => {
      received.push({ binary, sha: sha(data) });
      ws.send(data, { binary });
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('1 MiB messages in many reads, masked, through the gate: the same bytes both ways, in pieces', () => {
  let echo: Awaited<ReturnType<typeof startEcho>>;
  let g: TestGate;
  before(async () => {
    echo = await startEcho();
    g = await startTestGate(CONFIG, { secrets: { billing_key: STORED, api_token: INJECTED } });
  });
  after(async () => {
    await g.close();
    await echo.close();
  });

  // up.test: outbound DLP and the injection scan on the way back; api.acme.test: the upstream's messages are scrubbed too.
  for (const host of ['up.test', 'api.acme.test']) {
    for (const kind of ['text', 'binary'] as const) {
      test(`a 1 MiB ${kind} message to ${host}`, async () => {
        const opcode = kind === 'text' ? OP.text : OP.binary;
        const payload = kind === 'text' ? Buffer.from(prose(MIB, `${host} ${kind} ${randomBytes(8).toString('hex')}`)) : randomBytes(MIB);
        assert.ok(payload.length > MIB - 64);
        const r = await rawWs(g.port, `http://${host}:${echo.port}/${kind}`, g.auth);
        r.socket.setNoDelay(true);
        longFrames.length = 0;

        // Writes of 1 B to 40 KB, with turns for the gate between them: it reads them as they come.
        const wire = encodeFrame({ fin: true, opcode, payload, mask: 'new' });
        for (let at = 0, writes = 0; at < wire.length; writes++) {
          const n = 1 + randomInt(randomInt(2) === 0 ? 3000 : 40_000);
          r.socket.write(wire.subarray(at, at + n));
          at += n;
          if (writes % 4 === 0) await new Promise((go) => setImmediate(go));
        }

        const back = await waitFor(() => r.frames.find((f) => f.opcode === opcode), 30_000);
        assert.deepEqual(echo.received.at(-1), { binary: kind === 'binary', sha: sha(payload) }, 'the upstream got the bytes sent');
        assert.equal(back.fin, true);
        assert.equal(sha(unmaskPayload(back)), sha(payload), 'the agent got them back');

        // The agent's frame read by the gate (masked), the echo read by the gate and by this client (unmasked).
        assert.equal(longFrames.filter((f) => f.mask !== null).length, 1);
        assert.equal(longFrames.filter((f) => f.mask === null).length, 2);
        for (const f of longFrames) assert.ok(Array.isArray(f.parts) && f.parts.length > 1, 'a 1 MiB frame comes out as the pieces it was read in');

        r.socket.write(encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(CLOSE.normal, 'done'), mask: 'new' }));
        assert.equal(await r.closeCode, CLOSE.normal);
      });
    }
  }
});

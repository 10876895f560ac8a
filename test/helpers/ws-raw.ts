import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { unmaskPayload, type Frame } from '../../src/proxy/websocket/frames.js';
import { FrameParser } from '../../src/proxy/websocket/frame-parser.js';

/** A hand-driven WebSocket client on a raw socket, for frames no real client would send. */
export interface RawWs {
  socket: Socket;
  /** The 101 head the gate sent. */
  head: string;
  /** Frames received so far, and a promise for the close frame's code (null if the socket closed without one). */
  frames: Frame[];
  closeCode: Promise<number | null>;
}

/**
 * Upgrade `absoluteUrl` (http://host:port/path) through the gate's plain listener
 * with `auth`, and start reading frames. Rejects if the gate does not answer 101.
 */
export function rawWs(gatePort: number, absoluteUrl: string, auth: string): Promise<RawWs> {
  const u = new URL(absoluteUrl);
  return new Promise((resolve, reject) => {
    const socket = connect({ port: gatePort, host: '127.0.0.1' }, () => {
      socket.write(
        `GET ${absoluteUrl} HTTP/1.1\r\nHost: ${u.host}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
          `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nProxy-Authorization: ${auth}\r\n\r\n`,
      );
    });
    let buf = Buffer.alloc(0);
    let raw: RawWs | null = null;
    let resolveClose: (c: number | null) => void = () => undefined;
    const closeCode = new Promise<number | null>((r) => (resolveClose = r));
    const parser = new FrameParser(() => 1 << 24);
    socket.on('data', (d: Buffer) => {
      if (raw) {
        parser.push(d, (f) => {
          raw!.frames.push(f);
          if (f.opcode === 0x8) resolveClose(unmaskPayload(f).readUInt16BE(0));
          return true;
        });
        return;
      }
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = buf.subarray(0, end).toString('latin1');
      if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head.split('\r\n')[0]}`));
      raw = { socket, head, frames: [], closeCode };
      resolve(raw);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      resolveClose(null);
      if (!raw) reject(new Error('closed before the upgrade'));
    });
  });
}

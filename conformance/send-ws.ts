/**
 * Send one `websocket_frame` case through the gate as an agent would: a real `ws`
 * client opens the case's URL through the gate (`ws://` as an absolute-form upgrade
 * to the proxy listener, `wss://` inside a CONNECT tunnel with TLS to the gate's
 * interception leaf, trusting the gate's CA), sends the case's frames in order, waits
 * for the echoes, then closes normally, and reports everything it saw.
 *
 * Frames `ws` can express (text / binary / continuation in a valid order, no RSV bits)
 * are sent with `ws.send` (`fin` and all). A case with a frame `ws` cannot send (RSV1
 * set, or an opcode out of sequence) has all its frames written by hand onto the same
 * connection, masked as a client must, so the gate sees exactly what the case says;
 * `ws` still reads what comes back. `evidence.frames_by` says which.
 */
import { randomBytes } from 'node:crypto';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import type { BenchCase } from './case.js';
import { CASE_HEADER } from './fixtures.js';
import { describe, openConnect, startTls, type GateTarget, type Observation } from './send-http.js';

export type WsOpcode = 'text' | 'binary' | 'continuation';

/** One frame of a case (payload decoded: `encoding: base64` gives bytes). */
export interface WsFrame {
  opcode: WsOpcode;
  fin: boolean;
  rsv1: boolean;
  payload: Buffer;
}

/** A complete message the case sends, as the echo must return it. */
export interface WsMessage {
  binary: boolean;
  data: Buffer;
}

export interface WsCaseRequest {
  url: string;
  frames: WsFrame[];
  /** Reassembled messages (only when every message in the case is complete). */
  messages: WsMessage[];
  headers: Record<string, string>;
}

/** What the runner saw on one WebSocket case. */
export interface WsObservation {
  client: 'ws';
  /** `ws` for `ws.send`, `raw` for frames written by hand. */
  framesBy: 'ws' | 'raw';
  /** The gate answered without upgrading (CONNECT refused, or the upgrade refused): judged as HTTP. */
  refused?: Observation;
  /** `x-sluice-decision` of the 101. */
  decisionId?: string;
  /** Frames handed to the socket before the session ended. */
  framesSent: number;
  /** Messages received, in order. */
  received: WsMessage[];
  /** The close the runner got (code and reason of the peer's close frame; 1005/1006 when none). */
  close?: { code: number; reason: string };
  /** The runner started the (normal) close after every echo arrived. */
  closedByRunner: boolean;
  /** No verdict could be read: a runner or transport failure. */
  error?: string;
}

const TIMEOUT_MS = 15_000;
const ECHO_WAIT_MS = 5_000;
const OPCODES: Record<WsOpcode, number> = { continuation: 0x0, text: 0x1, binary: 0x2 };

/**
 * The frames and URL a case describes, plus the header that tells the fixture which
 * case it is. Throws on a malformed payload.
 *
 * @example
 * wsCaseRequest(c).frames[0] // { opcode: 'text', fin: true, rsv1: false, payload: <Buffer ...> }
 */
export function wsCaseRequest(c: BenchCase): WsCaseRequest {
  const p = c.payload;
  if (typeof p.url !== 'string') throw new Error('payload.url is missing');
  if (!/^wss?:\/\//i.test(p.url)) throw new Error(`not a ws(s) URL: ${p.url}`);
  if (!Array.isArray(p.frames) || p.frames.length === 0) throw new Error('payload.frames: expected a non-empty array');
  const frames: WsFrame[] = p.frames.map((raw: unknown, i): WsFrame => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`payload.frames[${i}]: expected an object`);
    const f = raw as Record<string, unknown>;
    const opcode = f.opcode;
    if (opcode !== 'text' && opcode !== 'binary' && opcode !== 'continuation') throw new Error(`payload.frames[${i}].opcode: ${JSON.stringify(opcode)}`);
    if (typeof f.payload !== 'string') throw new Error(`payload.frames[${i}].payload: expected a string`);
    const enc = f.encoding;
    if (enc !== undefined && enc !== 'base64' && enc !== 'utf8' && enc !== 'utf-8') throw new Error(`payload.frames[${i}].encoding: ${JSON.stringify(enc)}`);
    return {
      opcode,
      fin: f.fin === undefined ? true : f.fin === true,
      rsv1: f.rsv1 === true,
      payload: Buffer.from(f.payload, enc === 'base64' ? 'base64' : 'utf8'),
    };
  });
  const headers: Record<string, string> = {};
  if (typeof p.headers === 'object' && p.headers !== null) {
    for (const [k, v] of Object.entries(p.headers as Record<string, unknown>)) if (typeof v === 'string') headers[k] = v;
  }
  headers[CASE_HEADER] = c.id;
  return { url: p.url, frames, messages: messagesOf(frames), headers };
}

/** The whole messages a frame sequence makes; [] when it is not a valid sequence. */
export function messagesOf(frames: readonly WsFrame[]): WsMessage[] {
  const out: WsMessage[] = [];
  let open: { binary: boolean; parts: Buffer[] } | null = null;
  for (const f of frames) {
    if (f.opcode === 'continuation') {
      if (!open) return [];
    } else {
      if (open) return [];
      open = { binary: f.opcode === 'binary', parts: [] };
    }
    open.parts.push(f.payload);
    if (f.fin) {
      out.push({ binary: open.binary, data: Buffer.concat(open.parts) });
      open = null;
    }
  }
  return open ? [] : out;
}

/** Whether `ws.send` can produce exactly these frames. */
export function expressibleByWs(frames: readonly WsFrame[]): boolean {
  if (frames.some((f) => f.rsv1)) return false;
  let inMessage = false;
  for (const f of frames) {
    if ((f.opcode === 'continuation') !== inMessage) return false;
    inMessage = !f.fin;
  }
  return !inMessage;
}

/** A client frame (masked), RSV1 as asked. */
export function encodeClientFrame(f: WsFrame): Buffer {
  const len = f.payload.length;
  const lenBytes = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + lenBytes + 4);
  head[0] = (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | OPCODES[f.opcode];
  head[1] = 0x80 | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  const mask = randomBytes(4);
  mask.copy(head, 2 + lenBytes);
  const body = Buffer.from(f.payload);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, body]);
}

/** Open the case's URL through the gate, send its frames, and report. Never throws. */
export async function sendWsCase(gate: GateTarget, req: WsCaseRequest): Promise<WsObservation> {
  const framesBy = expressibleByWs(req.frames) ? 'ws' : 'raw';
  const obs: WsObservation = { client: 'ws', framesBy, framesSent: 0, received: [], closedByRunner: false };
  const auth = `Basic ${Buffer.from(`sluice:${gate.token}`).toString('base64')}`;
  const u = new URL(req.url);
  const secure = u.protocol === 'wss:';
  let socket: Socket;
  try {
    if (secure) {
      const authority = `${u.hostname.includes(':') ? `[${u.hostname}]` : u.hostname}:${u.port || '443'}`;
      const opened = await openConnect(gate, authority, auth);
      if (!('socket' in opened)) return { ...obs, refused: opened };
      socket = await startTls(opened.socket, u.hostname, gate.caPem);
    } else {
      socket = netConnect({ host: '127.0.0.1', port: gate.port });
    }
  } catch (err) {
    return { ...obs, error: describe(err) };
  }
  const absolute = `http://${u.host}${u.pathname}${u.search}`;
  const ws = new WebSocket(req.url, {
    perMessageDeflate: false,
    headers: req.headers,
    handshakeTimeout: TIMEOUT_MS,
    createConnection: () => socket,
    ...(secure
      ? {}
      : {
          finishRequest: (r: ClientRequest) => {
            r.path = absolute;
            r.setHeader('proxy-authorization', auth);
            r.end();
          },
        }),
  });
  let messageWaiter: (() => void) | null = null;
  ws.on('message', (data: Buffer, isBinary) => {
    obs.received.push({ binary: isBinary, data: Buffer.from(data) });
    messageWaiter?.();
  });
  const closed = new Promise<void>((resolve) => {
    ws.once('close', (code, reason) => {
      obs.close = { code, reason: reason.toString('utf8') };
      messageWaiter?.();
      resolve();
    });
  });
  const timer = setTimeout(() => {
    obs.error ??= `timed out after ${TIMEOUT_MS} ms`;
    ws.terminate();
    socket.destroy();
  }, TIMEOUT_MS);

  try {
    const opened = await new Promise<'open' | Observation>((resolve, reject) => {
      ws.once('upgrade', (res: IncomingMessage) => {
        const d = res.headers['x-sluice-decision'];
        if (typeof d === 'string') obs.decisionId = d;
      });
      ws.once('open', () => resolve('open'));
      ws.once('unexpected-response', (_r, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ client: 'raw', status: res.statusCode ?? 0, headers: flat(res), body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      ws.once('error', reject);
    });
    if (opened !== 'open') {
      socket.destroy();
      return { ...obs, refused: opened };
    }
    ws.on('error', (err) => {
      obs.error ??= describe(err);
    });

    for (const f of req.frames) {
      if (ws.readyState !== WebSocket.OPEN) break;
      const written = await new Promise<boolean>((resolve) => {
        const done = (err?: Error | null): void => resolve(!err);
        if (framesBy === 'raw') socket.write(encodeClientFrame(f), done);
        else ws.send(f.payload, { binary: f.opcode === 'binary', fin: f.fin, compress: false }, done);
      });
      if (!written) break;
      obs.framesSent++;
    }

    // Every echo back (or the session closed), then a normal close from the runner.
    const expected = req.messages.length;
    const until = Date.now() + ECHO_WAIT_MS;
    while (obs.close === undefined && obs.received.length < expected && Date.now() < until) {
      await new Promise<void>((resolve) => {
        messageWaiter = resolve;
        setTimeout(resolve, 50);
      });
      messageWaiter = null;
    }
    if (obs.close === undefined && ws.readyState === WebSocket.OPEN) {
      obs.closedByRunner = true;
      ws.close(1000, 'done');
    }
    await closed;
  } catch (err) {
    obs.error ??= describe(err);
    ws.terminate();
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
  return obs;
}

function flat(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

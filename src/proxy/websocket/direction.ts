import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import { ByteQueue } from '../../inspect/byte-queue.js';
import { FORWARD_HOLD_BACK } from '../../inspect/dlp/body-scanner.js';
import type { Finding } from '../../inspect/finding.js';
import { ScanBudgetError } from '../../inspect/scan-pace.js';
import { applyMask, CLOSE, encodeFrame, FrameError, frameParts, OP, payloadOf, SEPARATE_PAYLOAD_BYTES, unmaskPayload, type Frame } from './frames.js';
import { FrameParser } from './frame-parser.js';
import { WS_LOCATION, type BinaryInspection, type Check, type MessageScrub, type Verdict } from './message-inspector.js';
import { assembleText, maskInSlices, SessionEnded, WHOLE_BYTES, type MessageWork } from './message-work.js';
import type { RelayOptions, RelayResult } from './relay.js';

type How = Partial<Pick<RelayResult, 'outcome' | 'reason' | 'error'>>;

/** What one direction needs of its session. */
export interface Session {
  readonly opts: RelayOptions;
  stopped(): boolean;
  /** The gate ends the session: a close to each side, then both connections end. */
  terminate(code: number, reason: string, how: How): void;
  record(findings: readonly Finding[]): void;
  /** Frame bytes received on this side. */
  counted(bytes: number): void;
  /** A close frame went through (one each way is a clean close). */
  closeSeen(): void;
  armGrace(): void;
}

/** The message being received. */
interface Message {
  opcode: number;
  /** A text message's frames as received (masked when from the agent): forwarded as they are when it passes unchanged. */
  frames: Frame[];
  bytes: number;
  /** An outbound binary message's scan; `held`: its scanned bytes (in the clear) not yet forwarded. */
  scan: BinaryInspection | null;
  held: ByteQueue;
  started: boolean;
  /** An upstream's binary message is scrubbed of reflected secrets as it streams. */
  scrub: MessageScrub | null;
  /** Its inspection's budget and pacing. */
  work: MessageWork;
}

/**
 * One direction of a session (agent to upstream when `fromAgent`). Frames are parsed
 * and handled one at a time, in order. Short messages are handled at once; a long one
 * is inspected in slices with turns for the event loop between them (MessageWork), and
 * meanwhile this side is not read (its socket paused, as for backpressure) and the
 * frames behind it wait, so message order and backpressure hold whatever the
 * inspection takes. This side's end and close wait for the frames in hand too. Returns
 * `feed`, for bytes of this side that came with the handshake.
 *
 * A long payload is never copied whole in one call (a pass over fresh memory: a few ms
 * for 1 MiB): frames come as the pieces they were read in (Frame.parts) and go on as
 * those pieces behind their header, in one corked write; whatever is copied (unmasked,
 * masked anew, scrubbed) is copied a slice per paced step, and a long message forwarded
 * as many frames has turns between them once a slice's worth has been copied.
 */
export function relayDirection(fromAgent: boolean, src: Socket, dst: Socket, s: Session, onClosed: () => void): (chunk: Buffer) => void {
  const { opts } = s;
  const live = (): boolean => !s.stopped();
  let fragment: Message | null = null;
  let closed = false;
  /** Reading is paused until the other side drains / until an inspection finishes. */
  let waiting = false;
  let busy = false;
  /** Frames are being handled (a long inspection may be under way). */
  let pumping = false;
  /** What waits for the frames in hand: this side's end and close. */
  const afterPump: Array<() => void> = [];

  const resume = (): void => {
    if (!waiting && !busy) src.resume();
  };
  const send = (buf: Buffer): void => {
    if (!dst.writable) return;
    if (!dst.write(buf) && !waiting) {
      // Backpressure: stop reading this side until the other has room again.
      waiting = true;
      src.pause();
      dst.once('drain', () => {
        waiting = false;
        resume();
      });
    }
  };
  /** A frame's buffers (frameParts) in one writev. */
  const sendParts = (bufs: readonly Buffer[]): void => {
    if (bufs.length === 1) return send(bufs[0]!);
    dst.cork();
    for (const b of bufs) send(b);
    dst.uncork();
  };
  const forwardAsIs = (f: Frame): void => sendParts(frameParts(f));
  /**
   * A frame of the gate's own from the clear `parts` (`length` bytes): masked with a new
   * key toward the upstream, a long one in paced slices (then false if the session
   * ended meanwhile).
   */
  const sendOwn = (work: MessageWork, fin: boolean, opcode: number, parts: readonly Buffer[], length: number): boolean | Promise<boolean> => {
    if (!fromAgent) return (sendParts(frameParts({ fin, opcode, mask: null, parts, length })), true);
    if (length <= WHOLE_BYTES) return (send(encodeFrame({ fin, opcode, payload: payloadOf({ parts, length }), mask: 'new' })), true);
    return maskInSlices(parts, work).then(({ mask, parts }) => live() && (sendParts(frameParts({ fin, opcode, mask, parts, length })), true));
  };

  const limit = (opcode: number): number => {
    if (opcode >= 0x8) return 125;
    const kind = opcode === OP.continuation ? (fragment?.opcode ?? OP.text) : opcode;
    return kind === OP.binary ? opts.maxBinaryBytes - (fragment?.bytes ?? 0) : opts.maxMessageBytes - (fragment?.bytes ?? 0);
  };
  const parser = new FrameParser((op) => Math.max(0, limit(op)));

  /** Record a check's findings; false (and the session closed) when it blocks. */
  const allowed = (c: Check | Verdict): c is Extract<Check | Verdict, { ok: true }> => {
    record(c.findings);
    if (c.ok) return true;
    s.terminate(CLOSE.policyViolation, `policy violation ${c.error}`, { outcome: 'deny', reason: c.error });
    return false;
  };
  const record = (findings: readonly Finding[]): void => s.record(findings);

  /** Forward the first `n` held bytes of a scanned binary message (`f`: its last frame); a message of one frame goes as it came. */
  const release = (msg: Message, n: number, fin: boolean, f: Frame): boolean | Promise<boolean> => {
    if (fin && f.opcode === OP.binary) return (forwardAsIs(f), true);
    // The first `n` bytes go (views of the held pieces), the rest stays held.
    const out = msg.held.takeViews(n);
    const opcode = msg.started ? OP.continuation : OP.binary;
    msg.started = true;
    return sendOwn(msg.work, fin, opcode, out, n);
  };
  const holdLimit = Math.max(opts.maxMessageBytes, 2 * FORWARD_HOLD_BACK);

  /** An outbound binary frame: scanned (in slices when long) and held until scanned. */
  const onBinary = (msg: Message, scan: BinaryInspection, f: Frame): boolean | Promise<boolean> => {
    if (f.length <= WHOLE_BYTES) {
      const payload = unmaskPayload(f);
      return allowed(msg.work.run(() => scan.push(payload))) && held(msg, scan, f, [payload]);
    }
    const clear: Buffer[] = [];
    const scanned = msg.work.each(f.parts, (slice) => {
      const c = f.mask ? applyMask(slice, f.mask) : slice;
      clear.push(c);
      if (!allowed(scan.push(c))) throw new SessionEnded();
    });
    return scanned.then(() => live() && held(msg, scan, f, clear));
  };
  /** A scanned frame's clear bytes are held; some go on once past the hold limit, all at the message's end. */
  const held = (msg: Message, scan: BinaryInspection, f: Frame, clear: readonly Buffer[]): boolean | Promise<boolean> => {
    for (const c of clear) msg.held.push(c);
    if (!f.fin) return msg.held.length > holdLimit ? release(msg, msg.held.length - FORWARD_HOLD_BACK, false, f) : true;
    fragment = null;
    const ended = (c: Check): boolean | Promise<boolean> => allowed(c) && release(msg, msg.held.length, true, f);
    // An archive in the message is unpacked in paced steps: the direction waits, as for a long message.
    const c = scan.end(msg.work);
    return c instanceof Promise ? c.then((v) => live() && ended(v)) : ended(c);
  };

  /** An upstream's binary frame, scrubbed and its text runs read for injections (in slices when long), then sent on. */
  const onScrubbed = (msg: Message, scrub: MessageScrub, f: Frame): boolean | Promise<boolean> => {
    const out = (parts: Buffer[]): boolean => {
      if (f.fin) parts.push(msg.work.run(() => scrub.end()));
      // An injection in the message's text: the session ends before the frame (or the message's end) goes on.
      if (scrub.blocked) return allowed({ ok: false, error: 'injection_blocked', findings: scrub.findings });
      if (f.fin && scrub.findings.length > 0) record(scrub.findings);
      if (f.fin && scrub.replaced > 0) record([{ type: 'reflected_secret', location: WS_LOCATION, action: 'redact' }]);
      const length = parts.reduce((n, p) => n + p.length, 0);
      sendParts(frameParts({ fin: f.fin, opcode: msg.started ? OP.continuation : OP.binary, mask: null, parts, length }));
      msg.started = true;
      return true;
    };
    if (f.length <= WHOLE_BYTES) return out([msg.work.run(() => scrub.push(payloadOf(f)))]);
    const pieces: Buffer[] = [];
    return msg.work.each(f.parts, (slice) => pieces.push(scrub.push(slice))).then(() => live() && out(pieces));
  };

  /** A complete text message: checked as UTF-8, inspected (in slices when long), then sent on or not at all. */
  const onText = (msg: Message): boolean | Promise<boolean> => {
    if (msg.bytes <= WHOLE_BYTES) {
      const payload = msg.frames.length === 1 ? unmaskPayload(msg.frames[0]!) : Buffer.concat(msg.frames.map(unmaskPayload), msg.bytes);
      return isUtf8(payload) ? verdict(msg, payload) : invalidUtf8();
    }
    return assembleText(msg.frames, msg.bytes, msg.work).then((payload) => (payload === null ? invalidUtf8() : verdict(msg, payload)));
  };
  const verdict = (msg: Message, payload: Buffer): boolean | Promise<boolean> => {
    const v = fromAgent ? opts.inspector.outbound(payload, msg.work) : opts.inspector.inbound(payload, msg.work);
    return v instanceof Promise ? v.then((x) => pass(msg, payload, x)) : pass(msg, payload, v);
  };
  const pass = (msg: Message, payload: Buffer, v: Verdict): boolean | Promise<boolean> => {
    if (!live() || !allowed(v)) return false;
    // Unchanged, the frames go on as they came; rewritten, as one frame (RFC 6455 §5.4 lets an intermediary refragment).
    if (v.payload !== payload) return sendOwn(msg.work, true, OP.text, [v.payload], v.payload.length);
    if (msg.bytes <= WHOLE_BYTES) {
      for (const f of msg.frames) forwardAsIs(f);
      return true;
    }
    return forwardPaced(msg).then(() => true);
  };
  /** A long message's frames as they came, with a turn once a slice's worth of short frames has been copied behind headers. */
  const forwardPaced = async (msg: Message): Promise<void> => {
    for (const f of msg.frames) {
      forwardAsIs(f);
      await msg.work.turn(f.length < SEPARATE_PAYLOAD_BYTES ? f.length : 0);
    }
  };
  const invalidUtf8 = (): false => {
    s.terminate(CLOSE.invalidData, 'text message is not valid UTF-8', { outcome: 'error', reason: 'ws_protocol_error', error: 'ws_protocol_error' });
    return false;
  };

  const onControl = (f: Frame): boolean => {
    if (f.opcode !== OP.close && f.opcode !== OP.ping && f.opcode !== OP.pong) throw new FrameError(CLOSE.protocolError, `unknown control opcode ${f.opcode}`);
    if (f.opcode === OP.close && f.length === 1) throw new FrameError(CLOSE.protocolError, 'a close payload of one byte');
    if (fromAgent && f.length > 0) {
      const p = unmaskPayload(f);
      if (!allowed(opts.inspector.outboundControl(f.opcode === OP.close ? p.subarray(2) : p))) return false;
    }
    let out: Buffer | null = null;
    if (!fromAgent && f.length > 0) {
      const payload = payloadOf(f);
      const p = opts.inspector.inboundControl(f.opcode, payload);
      if (p !== payload) {
        record([{ type: 'reflected_secret', location: 'ws.control', action: 'redact' }]);
        out = p;
      }
    }
    if (f.opcode === OP.close) {
      closed = true;
      s.closeSeen();
    }
    if (out) send(encodeFrame({ fin: true, opcode: f.opcode, payload: out, mask: null }));
    else forwardAsIs(f);
    return true;
  };

  const onFrame = (f: Frame): boolean | Promise<boolean> => {
    if (fromAgent !== (f.mask !== null)) {
      throw new FrameError(CLOSE.protocolError, fromAgent ? 'client frames must be masked' : 'server frames must not be masked');
    }
    if (f.rsv !== 0) throw new FrameError(CLOSE.protocolError, 'reserved bits set (no extension was negotiated)');
    if (closed) return true; // nothing may follow a close; drop it
    if (f.opcode >= 0x8) return onControl(f);
    if (f.opcode === OP.continuation) {
      if (!fragment) throw new FrameError(CLOSE.protocolError, 'continuation frame without a message to continue');
    } else if (f.opcode === OP.text || f.opcode === OP.binary) {
      if (fragment) throw new FrameError(CLOSE.protocolError, 'a new message began before the fragmented one finished');
      const scan = fromAgent && f.opcode === OP.binary && opts.binary === 'allow' ? opts.inspector.outboundBinary() : null;
      const scrub = !fromAgent && f.opcode === OP.binary ? opts.inspector.inboundBinary() : null;
      fragment = { opcode: f.opcode, frames: [], bytes: 0, scan, held: new ByteQueue(), started: false, scrub, work: opts.inspector.work(live) };
    } else throw new FrameError(CLOSE.protocolError, `unknown data opcode ${f.opcode}`);

    const msg = fragment;
    msg.bytes += f.length;
    if (msg.opcode === OP.binary) {
      if (opts.binary === 'deny') {
        s.terminate(CLOSE.policyViolation, 'policy violation ws_binary_denied', { outcome: 'deny', reason: 'ws_binary_denied' });
        return false;
      }
      if (msg.scan) return onBinary(msg, msg.scan, f);
      if (f.fin) fragment = null;
      if (msg.scrub) return onScrubbed(msg, msg.scrub, f);
      forwardAsIs(f);
      return true;
    }
    msg.frames.push(f);
    if (!f.fin) return true;
    fragment = null;
    return onText(msg);
  };

  /** Why handling stopped, as the session's end: a protocol error, a limit, the budget, or a bug. */
  const fail = (err: unknown): void => {
    if (err instanceof SessionEnded) return;
    if (err instanceof ScanBudgetError) {
      record([{ type: 'inspection_budget_exceeded', location: WS_LOCATION, action: 'block', detail: err.message }]);
      s.terminate(CLOSE.policyViolation, 'policy violation inspection_budget_exceeded', { outcome: 'deny', reason: 'inspection_budget_exceeded' });
      return;
    }
    if (!(err instanceof FrameError)) {
      // A scanner or relay bug must cost this session, not the gate: nothing more is
      // forwarded (fail closed) and both sides get 1011.
      s.terminate(CLOSE.internalError, 'internal error', { outcome: 'error', reason: 'internal_error', error: 'ws_internal_error' });
      return;
    }
    const tooBig = err.code === CLOSE.tooBig;
    s.terminate(
      err.code,
      tooBig ? 'message too big' : `protocol error (${err.message})`,
      tooBig ? { outcome: 'deny', reason: 'ws_message_too_big' } : { outcome: 'error', reason: 'ws_protocol_error', error: 'ws_protocol_error' },
    );
  };

  /** Handle the frames buffered, in order; a long inspection pauses this side until it is done. */
  const pump = (): void => {
    pumping = true;
    try {
      for (let f = live() ? parser.next() : null; f !== null; f = live() ? parser.next() : null) {
        const r = onFrame(f);
        if (r === true) continue;
        if (r === false) break;
        busy = true;
        src.pause();
        r.then(
          (go) => {
            busy = false;
            resume();
            if (go) pump();
            else settled();
          },
          (err: unknown) => {
            busy = false;
            resume();
            fail(err);
            settled();
          },
        );
        return;
      }
    } catch (err) {
      fail(err);
    }
    settled();
  };
  const settled = (): void => {
    pumping = false;
    if (!live()) parser.clear();
    for (const fn of afterPump.splice(0)) fn();
  };
  const whenHandled = (fn: () => void): void => {
    if (pumping) afterPump.push(fn);
    else fn();
  };

  const feed = (chunk: Buffer): void => {
    if (!live()) return;
    parser.append(chunk);
    if (!pumping) pump();
  };
  src.on('data', (chunk: Buffer) => {
    s.counted(chunk.length);
    feed(chunk);
  });
  src.on('end', () =>
    whenHandled(() => {
      if (dst.writable) dst.end();
      s.armGrace();
    }),
  );
  src.on('error', () => undefined);
  src.once('close', () =>
    whenHandled(() => {
      if (!dst.destroyed) dst.end();
      s.armGrace();
      onClosed();
    }),
  );
  src.setTimeout(opts.idleMs);
  src.on('timeout', () => s.terminate(CLOSE.goingAway, 'idle timeout', { error: 'idle_timeout' }));
  return feed;
}

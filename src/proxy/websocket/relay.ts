import type { Socket } from 'node:net';
import { FORWARD_HOLD_BACK } from '../../inspect/dlp/body-scanner.js';
import type { Finding } from '../../inspect/finding.js';
import { CLOSE, closePayload, encodeFrame, FrameError, FrameParser, OP, unmaskPayload, type Frame } from './frames.js';
import type { BinaryInspection, Check, MessageInspector, MessageScrub, Verdict } from './message-inspector.js';

export interface RelayOptions {
  /**
   * Largest text message reassembled and scanned; larger closes with 1009. Also how
   * much of an outbound binary message is held while it is scanned.
   */
  maxMessageBytes: number;
  binary: 'allow' | 'deny';
  /** Largest binary message (all its fragments); larger closes with 1009. */
  maxBinaryBytes: number;
  /** No traffic either way for this long closes the session (1001). */
  idleMs: number;
  inspector: MessageInspector;
}

/** How a session ended, for its audit record. */
export interface RelayResult {
  /** `deny` when the gate closed the session for a finding or a limit, `error` for a protocol violation; else `allow`. */
  outcome: 'allow' | 'deny' | 'error';
  /** Contract code when the gate closed it: `dlp_blocked`, `injection_blocked`, `ws_binary_denied`, ... */
  reason: string | null;
  /** Set when the session did not end with a clean close handshake or hit a protocol error. */
  error: string | null;
  findings: Finding[];
  /** Frame bytes received from the agent / from the upstream after the handshake. */
  bytesIn: number;
  bytesOut: number;
}

const MAX_FINDINGS = 64;
const CLOSE_GRACE_MS = 2000;

/**
 * Relay one WebSocket session frame by frame between the agent and the upstream.
 * Text messages are reassembled (bounded), checked as UTF-8, and inspected whole
 * before any of them is forwarded, as one frame (RFC 6455 §5.4 lets an intermediary
 * refragment when no extension is in use). The agent's binary messages are scanned as
 * they arrive and held until scanned: whole up to `maxMessageBytes`, beyond that
 * forwarded in fragments that keep back the scanner's margin, so no part of a secret
 * leaves before it is found and a blocked message never completes upstream. The
 * agent's control payloads are scanned too. Everything else is forwarded as received,
 * mask and all. A blocking finding is never forwarded: both sides get a close (1008)
 * and both connections end. `onEnd` is called once, when both are closed.
 *
 * @example
 * relayWebSocket(agentSocket, upstreamSocket, { agent: head, upstream: upHead }, opts, (r) => audit(r));
 */
export function relayWebSocket(
  agent: Socket,
  upstream: Socket,
  heads: { agent: Buffer; upstream: Buffer },
  opts: RelayOptions,
  onEnd: (result: RelayResult) => void,
): RelayHandle {
  const result: RelayResult = { outcome: 'allow', reason: null, error: null, findings: [], bytesIn: 0, bytesOut: 0 };
  const seenFindings = new Set<string>();
  let stopped = false;
  let closes = 0;
  let open = 2;
  let grace: NodeJS.Timeout | null = null;

  const record = (findings: readonly Finding[]): void => {
    for (const f of findings) {
      const key = `${f.type}|${f.location}|${f.action}|${f.encoding ?? ''}`;
      if (seenFindings.has(key) || result.findings.length >= MAX_FINDINGS) continue;
      seenFindings.add(key);
      result.findings.push(f);
    }
  };

  /** The gate ends the session itself: a close to each side, then both connections end. */
  const terminate = (code: number, reason: string, how: Partial<Pick<RelayResult, 'outcome' | 'reason' | 'error'>>): void => {
    if (stopped) return;
    stopped = true;
    Object.assign(result, how);
    const text = `sluice: ${reason}`;
    if (agent.writable) agent.end(encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(code, text), mask: null }));
    // To the upstream the gate is the client: its frames are masked.
    if (upstream.writable) upstream.end(encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(code, text), mask: 'new' }));
    armGrace();
  };
  const armGrace = (): void => {
    grace ??= setTimeout(() => {
      agent.destroy();
      upstream.destroy();
    }, CLOSE_GRACE_MS).unref();
  };

  const direction = (fromAgent: boolean) => {
    const src = fromAgent ? agent : upstream;
    const dst = fromAgent ? upstream : agent;
    /** The message being received; `scan` set for an outbound binary one, whose `held` bytes are not yet forwarded. */
    let fragment: {
      opcode: number;
      parts: Buffer[];
      bytes: number;
      scan: BinaryInspection | null;
      held: number;
      started: boolean;
      scrub?: MessageScrub | null;
    } | null = null;
    let closed = false;
    let waiting = false;

    const send = (buf: Buffer): void => {
      if (!dst.writable) return;
      if (!dst.write(buf) && !waiting) {
        // Backpressure: stop reading this side until the other has room again.
        waiting = true;
        src.pause();
        dst.once('drain', () => {
          waiting = false;
          src.resume();
        });
      }
    };
    const forwardAsIs = (f: Frame): void => send(encodeFrame({ fin: f.fin, opcode: f.opcode, payload: f.payload, mask: f.mask }));

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
      terminate(CLOSE.policyViolation, `policy violation ${c.error}`, { outcome: 'deny', reason: c.error });
      return false;
    };

    /** Forward the first `n` held bytes of a scanned binary message. */
    const release = (msg: NonNullable<typeof fragment>, n: number, fin: boolean, f: Frame): void => {
      if (fin && !msg.started && msg.parts.length === 1) return forwardAsIs(f);
      const all = msg.parts.length === 1 ? msg.parts[0]! : Buffer.concat(msg.parts, msg.held);
      msg.parts = n < all.length ? [Buffer.from(all.subarray(n))] : [];
      msg.held -= n;
      send(encodeFrame({ fin, opcode: msg.started ? OP.continuation : OP.binary, payload: all.subarray(0, n), mask: 'new' }));
      msg.started = true;
    };
    const holdLimit = Math.max(opts.maxMessageBytes, 2 * FORWARD_HOLD_BACK);

    const onBinary = (msg: NonNullable<typeof fragment>, scan: BinaryInspection, f: Frame): boolean => {
      const payload = unmaskPayload(f);
      if (!allowed(scan.push(payload))) return false;
      msg.parts.push(payload);
      msg.held += payload.length;
      if (f.fin) {
        fragment = null;
        if (!allowed(scan.end())) return false;
        release(msg, msg.held, true, f);
      } else if (msg.held > holdLimit) release(msg, msg.held - FORWARD_HOLD_BACK, false, f);
      return true;
    };

    const onText = (payload: Buffer): boolean => {
      let text: string;
      try {
        text = UTF8.decode(payload);
      } catch {
        terminate(CLOSE.invalidData, 'text message is not valid UTF-8', { outcome: 'error', reason: 'ws_protocol_error', error: 'ws_protocol_error' });
        return false;
      }
      const v: Verdict = fromAgent ? opts.inspector.outbound(text) : opts.inspector.inbound(text);
      if (!allowed(v)) return false;
      const out = v.text === text ? payload : Buffer.from(v.text, 'utf8');
      send(encodeFrame({ fin: true, opcode: OP.text, payload: out, mask: fromAgent ? 'new' : null }));
      return true;
    };

    const onFrame = (f: Frame): boolean => {
      if (stopped) return false;
      if (fromAgent !== (f.mask !== null)) {
        throw new FrameError(CLOSE.protocolError, fromAgent ? 'client frames must be masked' : 'server frames must not be masked');
      }
      if (f.rsv !== 0) throw new FrameError(CLOSE.protocolError, 'reserved bits set (no extension was negotiated)');
      if (closed) return true; // nothing may follow a close; drop it
      if (f.opcode >= 0x8) {
        if (f.opcode !== OP.close && f.opcode !== OP.ping && f.opcode !== OP.pong)
          throw new FrameError(CLOSE.protocolError, `unknown control opcode ${f.opcode}`);
        if (f.opcode === OP.close && f.payload.length === 1) throw new FrameError(CLOSE.protocolError, 'a close payload of one byte');
        if (fromAgent && f.payload.length > 0) {
          const p = unmaskPayload(f);
          if (!allowed(opts.inspector.outboundControl(f.opcode === OP.close ? p.subarray(2) : p))) return false;
        }
        if (!fromAgent && f.payload.length > 0) {
          const p = opts.inspector.inboundControl(f.opcode, f.payload);
          if (p !== f.payload) {
            record([{ type: 'reflected_secret', location: 'ws.control', action: 'redact' }]);
            if (f.opcode === OP.close) {
              closed = true;
              closes++;
            }
            send(encodeFrame({ fin: true, opcode: f.opcode, payload: p, mask: null }));
            return true;
          }
        }
        if (f.opcode === OP.close) {
          closed = true;
          closes++;
        }
        forwardAsIs(f);
        return true;
      }
      if (f.opcode === OP.continuation) {
        if (!fragment) throw new FrameError(CLOSE.protocolError, 'continuation frame without a message to continue');
      } else if (f.opcode === OP.text || f.opcode === OP.binary) {
        if (fragment) throw new FrameError(CLOSE.protocolError, 'a new message began before the fragmented one finished');
        const scan = fromAgent && f.opcode === OP.binary && opts.binary === 'allow' ? opts.inspector.outboundBinary() : null;
        // An upstream's binary message is scrubbed of reflected secrets as it streams.
        const scrub = !fromAgent && f.opcode === OP.binary ? opts.inspector.inboundBinary() : null;
        fragment = { opcode: f.opcode, parts: [], bytes: 0, scan, held: 0, started: false, scrub };
      } else throw new FrameError(CLOSE.protocolError, `unknown data opcode ${f.opcode}`);

      const msg = fragment;
      msg.bytes += f.payload.length;
      if (msg.opcode === OP.binary) {
        if (opts.binary === 'deny') {
          terminate(CLOSE.policyViolation, 'policy violation ws_binary_denied', { outcome: 'deny', reason: 'ws_binary_denied' });
          return false;
        }
        if (msg.scan) return onBinary(msg, msg.scan, f);
        if (f.fin) fragment = null;
        if (msg.scrub) {
          const out = msg.scrub.push(f.payload);
          const payload = f.fin ? Buffer.concat([out, msg.scrub.end()]) : out;
          if (f.fin && msg.scrub.replaced > 0) record([{ type: 'reflected_secret', location: 'ws.message', action: 'redact' }]);
          send(encodeFrame({ fin: f.fin, opcode: msg.started ? OP.continuation : OP.binary, payload, mask: null }));
          msg.started = true;
          return true;
        }
        forwardAsIs(f);
        return true;
      }
      msg.parts.push(unmaskPayload(f));
      if (!f.fin) return true;
      fragment = null;
      return onText(msg.parts.length === 1 ? msg.parts[0]! : Buffer.concat(msg.parts, msg.bytes));
    };

    src.on('data', (chunk: Buffer) => {
      if (fromAgent) result.bytesIn += chunk.length;
      else result.bytesOut += chunk.length;
      feed(chunk);
    });
    const feed = (chunk: Buffer): void => {
      if (stopped) return;
      try {
        parser.push(chunk, onFrame);
      } catch (err) {
        if (!(err instanceof FrameError)) {
          // A scanner or relay bug must cost this session, not the gate: nothing more is
          // forwarded (fail closed) and both sides get 1011.
          terminate(CLOSE.internalError, 'internal error', { outcome: 'error', reason: 'internal_error', error: 'ws_internal_error' });
          return;
        }
        const tooBig = err.code === CLOSE.tooBig;
        terminate(
          err.code,
          tooBig ? 'message too big' : `protocol error (${err.message})`,
          tooBig ? { outcome: 'deny', reason: 'ws_message_too_big' } : { outcome: 'error', reason: 'ws_protocol_error', error: 'ws_protocol_error' },
        );
      }
    };
    src.on('end', () => {
      if (dst.writable) dst.end();
      armGrace();
    });
    src.on('error', () => undefined);
    src.once('close', () => {
      if (!dst.destroyed) dst.end();
      armGrace();
      if (--open === 0) finish();
    });
    src.setTimeout(opts.idleMs);
    src.on('timeout', () => terminate(CLOSE.goingAway, 'idle timeout', { error: 'idle_timeout' }));
    return feed;
  };

  const finish = (): void => {
    if (grace) clearTimeout(grace);
    if (!stopped && closes < 2 && result.error === null) result.error = 'ws_abnormal_closure';
    onEnd(result);
  };

  const feedAgent = direction(true);
  const feedUpstream = direction(false);
  if (heads.upstream.length > 0) {
    result.bytesOut += heads.upstream.length;
    feedUpstream(heads.upstream);
  }
  if (heads.agent.length > 0) {
    result.bytesIn += heads.agent.length;
    feedAgent(heads.agent);
  }
  agent.resume();
  upstream.resume();
  return { end: terminate };
}

/** The running session, for the gate to end it (an identity that expired or was revoked). */
export interface RelayHandle {
  /** A close (`code`, `sluice: <reason>`) to both sides, then both connections end; `how` goes on the result. */
  end(code: number, reason: string, how: Partial<Pick<RelayResult, 'outcome' | 'reason' | 'error'>>): void;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

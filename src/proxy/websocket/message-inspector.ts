import { ReflectionScrubber } from '../../credentials/reflection-scrubber.js';
import type { Finding } from '../../inspect/finding.js';
import { stripInjections } from '../../inspect/injection/strip.js';
import type { ResolvedProfile } from '../../policy/types.js';
import type { GateState } from '../gate-runtime.js';
import { cleanFinding } from '../response-inspector.js';
import { outboundDlp, WS_LOCATION, type BinaryInspection, type Check, type Verdict } from './outbound-dlp.js';

const CLOSE_OPCODE = 0x8;

export { WS_LOCATION, type BinaryInspection, type Check, type Verdict } from './outbound-dlp.js';

/**
 * Scans a session's messages: DLP on everything the agent sends (text, binary, control
 * payloads, and across messages), injection (and reflected secrets) on the upstream's text.
 */
export interface MessageInspector {
  outbound(text: string): Verdict;
  /** A scan for the next binary message from the agent; null when outbound DLP is off. */
  outboundBinary(): BinaryInspection | null;
  /** A ping or pong payload, or a close frame's reason, from the agent. */
  outboundControl(payload: Buffer): Check;
  inbound(text: string): Verdict;
  /**
   * The scrubber for the next binary message from the upstream (reflected secrets are
   * replaced there too); null when there is nothing to scrub.
   */
  inboundBinary(): MessageScrub | null;
  /** A ping, pong or close payload from the upstream, scrubbed (the close code kept). */
  inboundControl(opcode: number, payload: Buffer): Buffer;
}

/** One upstream message's share of the session's scrubber: `end` is the message's end, not the stream's. */
export interface MessageScrub {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
  /** Reflections replaced in this message. */
  readonly replaced: number;
}

/** A message's view of a session-long scrubber: what it holds is sent at the message's end, its state goes on. */
function messageScrub(s: ReflectionScrubber): MessageScrub {
  const before = s.replaced;
  return {
    push: (c) => s.push(c),
    end: () => s.cut(),
    get replaced() {
      return s.replaced - before;
    },
  };
}

/**
 * The inspection a WebSocket session gets, from the same settings as an HTTP request:
 * the decision's resolved profile (the rule's `inspect`, else the config's `inspect.dlp.action`
 * and `inspect.injection`). Whole text messages are in hand, so `redact` (DLP) and `strip`
 * (injection) rewrite them; if the rewrite cannot be shown clean, it blocks. Binary
 * messages and control payloads are forwarded unchanged or not at all.
 *
 * @example
 * const insp = messageInspector(state, decision.profile, up.scrub);
 * const v = insp.outbound('here is my key ...'); // { ok: false, error: 'dlp_blocked', findings }
 */
export function messageInspector(state: GateState, profile: ResolvedProfile, scrub: readonly Buffer[]): MessageInspector {
  const dlpLevel = profile.dlp;
  const injectionAction = profile.injection;
  // A binary message is capped (max_binary_bytes): DLP reads all of it, so none leaves unscanned.
  const binaryScan = Math.max(state.dlp.maxBodyBytes, state.inspect.websocket.max_binary_bytes);
  const dlp = dlpLevel === 'off' ? null : outboundDlp(state.dlp, profile.dlp, binaryScan);
  const clean: Check = { ok: true, findings: [] };
  // One scrubber per session for the upstream's messages (text and binary, in order) and
  // one for its control payloads: a secret split across messages or pings is still one
  // stream to match, and its part in the later message is replaced.
  const data = scrub.length > 0 ? new ReflectionScrubber(scrub) : null;
  // Control payloads are at most 125 bytes: a shorter marker.
  const control = scrub.length > 0 ? new ReflectionScrubber(scrub, { replacement: '[REDACTED]' }) : null;

  return {
    outbound: (text) => (dlp ? dlp.text(text) : { ok: true, text, findings: [] }),
    outboundBinary: () => (dlp ? dlp.binary() : null),
    outboundControl: (payload) => (dlp ? dlp.control(payload) : clean),
    inboundBinary: () => (data ? messageScrub(data) : null),
    inboundControl(opcode, payload) {
      if (!control || payload.length === 0) return payload;
      // A close payload is a two-byte code and a reason; only the reason is text.
      const head = opcode === CLOSE_OPCODE ? payload.subarray(0, 2) : Buffer.alloc(0);
      const s = messageScrub(control);
      const body = Buffer.concat([s.push(payload.subarray(head.length)), s.end()]);
      if (s.replaced === 0) return payload;
      // Control payloads are at most 125 bytes.
      return Buffer.concat([head, body]).subarray(0, 125);
    },
    inbound(text) {
      const findings: Finding[] = [];
      let out = text;
      if (data) {
        const s = messageScrub(data);
        const b = Buffer.concat([s.push(Buffer.from(text, 'utf8')), s.end()]);
        if (s.replaced > 0) {
          out = b.toString('utf8');
          findings.push({ type: 'reflected_secret', location: WS_LOCATION, action: 'redact' });
        }
      }
      if (injectionAction === 'off') return { ok: true, text: out, findings };
      const found = state.injection.scanText(out, WS_LOCATION);
      const blocking = found.filter((f) => f.action === 'block');
      for (const f of found) findings.push(cleanFinding(f, injectionAction));
      if (blocking.length === 0 || injectionAction === 'warn') return { ok: true, text: out, findings };
      if (injectionAction === 'block') return { ok: false, error: 'injection_blocked', findings };
      try {
        return { ok: true, text: stripInjections(out, blocking), findings };
      } catch {
        return { ok: false, error: 'injection_blocked', findings: findings.map((f) => (f.action === 'redact' ? { ...f, action: 'block' } : f)) };
      }
    },
  };
}

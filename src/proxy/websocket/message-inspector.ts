import { ReflectionScrubber } from '../../credentials/reflection-scrubber.js';
import type { Finding } from '../../inspect/finding.js';
import { InjectionStripError, stripInjections, stripSteps } from '../../inspect/injection/strip.js';
import type { ResolvedProfile } from '../../policy/types.js';
import type { GateState } from '../gate-runtime.js';
import { DEFAULT_SCAN_BUDGET_MS } from '../../inspect/scan-pace.js';
import type { InjectionFinding } from '../../inspect/injection/types.js';
import { TextRunScan } from '../binary-text-stage.js';
import { cleanFinding } from '../response-inspector.js';
import { MessageWork, WHOLE_BYTES } from './message-work.js';
import { outboundDlp, WS_LOCATION, type BinaryInspection, type Check, type Verdict } from './outbound-dlp.js';
import { TextInjection } from './text-injection.js';

const CLOSE_OPCODE = 0x8;

export { WS_LOCATION, type BinaryInspection, type Check, type Verdict } from './outbound-dlp.js';

/**
 * Scans a session's messages: DLP on everything the agent sends (text, binary, control
 * payloads, and across messages), injection (and reflected secrets) on the upstream's text
 * and on the text runs of its binary messages.
 */
export interface MessageInspector {
  /** The work (CPU budget, pacing) of one message; `live` is false once the session has ended. */
  work(live: () => boolean): MessageWork;
  /** A text message from the agent (valid UTF-8): whole when short, else in paced slices (a promise). */
  outbound(payload: Buffer, work: MessageWork): Verdict | Promise<Verdict>;
  /** A scan for the next binary message from the agent; null when outbound DLP is off. */
  outboundBinary(): BinaryInspection | null;
  /** A ping or pong payload, or a close frame's reason, from the agent. */
  outboundControl(payload: Buffer): Check;
  /** A text message from the upstream (valid UTF-8), scrubbed and scanned: whole when short, else in paced slices. */
  inbound(payload: Buffer, work: MessageWork): Verdict | Promise<Verdict>;
  /**
   * The filter for the next binary message from the upstream: reflected secrets are
   * replaced there too, and its text runs scanned for injections; null when there is
   * nothing to scrub and injection scanning is off.
   */
  inboundBinary(): MessageScrub | null;
  /** A ping, pong or close payload from the upstream, scrubbed (the close code kept). */
  inboundControl(opcode: number, payload: Buffer): Buffer;
}

/**
 * One upstream binary message's filter: its share of the session's scrubber (`end` is
 * the message's end, not the stream's), and the scan of its text runs for injections.
 */
export interface MessageScrub {
  push(chunk: Buffer): Buffer;
  end(): Buffer;
  /** Reflections replaced in this message. */
  readonly replaced: number;
  /** Injection findings in the text runs read so far (blocking or not). */
  readonly findings: Finding[];
  /** A blocking injection was read: the message must not go on. */
  readonly blocked: boolean;
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
    findings: [],
    blocked: false,
  };
}

/**
 * A binary message is read by a client as the text it holds as readily as a text
 * message (class 5: what the client reads, not what the label says): the text runs of
 * what leaves are scanned (TextRunScan, as for a response sniffed as binary), up to
 * `cap` bytes a message; a blocking finding stops the message.
 */
function binaryInjection(inner: MessageScrub | null, scanner: GateState['injection'], action: string, cap: number): MessageScrub {
  const scan = new TextRunScan(scanner, WS_LOCATION, action, cap);
  const read = (b: Buffer): Buffer => {
    scan.push(b);
    return b;
  };
  return {
    push: (c) => read(inner ? inner.push(c) : c),
    end: () => {
      const rest = read(inner ? inner.end() : Buffer.alloc(0));
      scan.end();
      return rest;
    },
    get replaced() {
      return inner?.replaced ?? 0;
    },
    findings: scan.findings,
    get blocked() {
      return scan.blocking.length > 0;
    },
  };
}

/**
 * The inspection a WebSocket session gets, from the same settings as an HTTP request:
 * the decision's resolved profile (the rule's `inspect`, else the config's `inspect.dlp.action`
 * and `inspect.injection`). Whole text messages are in hand, so `redact` (DLP) and `strip`
 * (injection) rewrite them; if the rewrite cannot be shown clean, it blocks. Binary
 * messages and control payloads are forwarded unchanged or not at all. A text message
 * longer than one slice is read in slices with turns for the event loop between them
 * (MessageWork), within a CPU budget per message (`inspect.scan_budget_ms`).
 *
 * @example
 * const insp = messageInspector(state, decision.profile, up.scrub);
 * const v = await insp.outbound(Buffer.from('here is my key ...'), insp.work(() => true)); // { ok: false, error: 'dlp_blocked', findings }
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

  const budgetMs = state.inspect.scan_budget_ms ?? DEFAULT_SCAN_BUDGET_MS;
  const scanCap = state.inspect.max_response_scan_bytes;

  /** What the injection findings make of the (scrubbed) text `out`: a verdict, or the blocking findings to strip. */
  const judge = (findings: Finding[], found: InjectionFinding[], out: Buffer): Verdict | InjectionFinding[] => {
    const blocking = found.filter((f) => f.action === 'block');
    for (const f of found) findings.push(cleanFinding(f, injectionAction as 'block' | 'strip' | 'warn'));
    if (blocking.length === 0 || injectionAction === 'warn') return { ok: true, payload: out, findings };
    if (injectionAction === 'block') return { ok: false, error: 'injection_blocked', findings };
    return blocking;
  };
  const asStripped = (findings: Finding[], text: string): Verdict => ({ ok: true, payload: Buffer.from(text, 'utf8'), findings });
  /** A match that cannot be located (InjectionStripError) blocks; anything else (the budget, the session's end) goes on up. */
  const unstripped = (err: unknown, findings: Finding[]): Verdict => {
    if (!(err instanceof InjectionStripError)) throw err;
    return { ok: false, error: 'injection_blocked', findings: findings.map((f) => (f.action === 'redact' ? { ...f, action: 'block' } : f)) };
  };

  const inboundWhole = (payload: Buffer): Verdict => {
    const findings: Finding[] = [];
    let out = UTF8.decode(payload);
    let sent = payload;
    if (data) {
      const s = messageScrub(data);
      const b = Buffer.concat([s.push(Buffer.from(out, 'utf8')), s.end()]);
      if (s.replaced > 0) {
        out = b.toString('utf8');
        sent = Buffer.from(out, 'utf8');
        findings.push({ type: 'reflected_secret', location: WS_LOCATION, action: 'redact' });
      }
    }
    if (injectionAction === 'off') return { ok: true, payload: sent, findings };
    const text = out;
    const j = judge(findings, state.injection.scanText(text, WS_LOCATION), sent);
    if (!Array.isArray(j)) return j;
    try {
      return asStripped(findings, stripInjections(text, j));
    } catch (err) {
      return unstripped(err, findings);
    }
  };

  /** Scrubbing and the injection scan in one pass of paced slices: the scan reads what the scrubber lets out. */
  const inboundSliced = async (payload: Buffer, work: MessageWork): Promise<Verdict> => {
    const findings: Finding[] = [];
    const s = data ? messageScrub(data) : null;
    const scan = injectionAction === 'off' ? null : new TextInjection(state.injection, WS_LOCATION, scanCap, payload.length);
    const pieces: Buffer[] = [];
    const pass = (b: Buffer): void => {
      if (s) pieces.push(b);
      if (scan && b.length > 0) scan.push(b);
    };
    await work.each(payload, (slice) => pass(s ? s.push(slice) : slice));
    let sent = payload;
    if (s) {
      work.run(() => pass(s.end()));
      if (s.replaced > 0) {
        // As a whole message: what leaves is the scrubbed text, re-encoded.
        sent = work.run(() => Buffer.from(Buffer.concat(pieces).toString('utf8'), 'utf8'));
        findings.push({ type: 'reflected_secret', location: WS_LOCATION, action: 'redact' });
      }
    }
    if (!scan) return { ok: true, payload: sent, findings };
    const found = work.run(() => scan.end());
    const j = work.run(() => judge(findings, found, sent));
    if (!Array.isArray(j)) return j;
    // A long message is stripped a step at a time (stripSteps), with turns between.
    try {
      return asStripped(findings, await work.steps(stripSteps(UTF8.decode(sent), j)));
    } catch (err) {
      return unstripped(err, findings);
    }
  };

  return {
    work: (live) => new MessageWork(budgetMs, live),
    outbound: (payload, work) => (dlp ? dlp.text(payload, work) : { ok: true, payload, findings: [] }),
    outboundBinary: () => (dlp ? dlp.binary() : null),
    outboundControl: (payload) => (dlp ? dlp.control(payload) : clean),
    inboundBinary: () => {
      const scrubbed = data ? messageScrub(data) : null;
      return injectionAction === 'off' ? scrubbed : binaryInjection(scrubbed, state.injection, injectionAction, scanCap);
    },
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
    inbound(payload, work) {
      if (!data && injectionAction === 'off') return { ok: true, payload, findings: [] };
      return payload.length <= WHOLE_BYTES ? work.run(() => inboundWhole(payload)) : inboundSliced(payload, work);
    },
  };
}

/** A text message's text as the scanners read it (a leading byte order mark dropped); the relay has checked it is UTF-8. */
const UTF8 = new TextDecoder('utf-8');

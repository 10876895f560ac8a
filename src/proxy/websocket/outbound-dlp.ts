import { toByteString } from '../../inspect/dlp/decode.js';
import { MessageWindow, WINDOW_BYTES } from '../../inspect/dlp/message-window.js';
import type { Finding } from '../../inspect/finding.js';
import type { InspectProfile } from '../../policy/types.js';
import { settle, type DlpSetup } from '../../inspect/dlp/dlp-setup.js';
import { sniffContainer, SNIFF_BYTES } from '../../inspect/dlp/containers.js';
import { endPaced } from '../../inspect/dlp/body-scanner.js';
import { redactSpans } from '../../inspect/dlp/scanner.js';

import { WHOLE_BYTES, type MessageWork } from './message-work.js';

/** A match's finding and its span in the message's bytes. */
type Span = [Finding, number, number];

/** Where WebSocket findings are placed in the audit record. */
export const WS_LOCATION = 'ws.message';
const ACROSS = 'split across messages';

/** What to do with one complete text message: `payload` is what to send (the message's own bytes when unchanged). */
export type Verdict = { ok: true; payload: Buffer; findings: Finding[] } | { ok: false; error: 'dlp_blocked' | 'injection_blocked'; findings: Finding[] };

/** A binary message or a control payload is forwarded unchanged or not at all. */
export type Check = { ok: true; findings: Finding[] } | { ok: false; error: 'dlp_blocked'; findings: Finding[] };

/** The scan of one outbound binary message, fed frame by frame. */
export interface BinaryInspection {
  /** One frame's payload, unmasked. Findings for what could already be seen. */
  push(payload: Buffer): Check;
  /**
   * The message is complete: the rest of its findings, and those at its join with the
   * messages before. A promise when an archive in it is unpacked in paced steps.
   */
  end(work: MessageWork): Check | Promise<Check>;
}

/** DLP on everything the agent sends over one session: text, binary, control payloads. */
export interface OutboundDlp {
  /** A text message (valid UTF-8): whole when short, else in paced slices (a promise). */
  text(payload: Buffer, work: MessageWork): Verdict | Promise<Verdict>;
  binary(): BinaryInspection;
  control(payload: Buffer): Check;
}

/**
 * Outbound DLP for one WebSocket session. Each text message is scanned (and redacted
 * when its findings say so): whole when it fits one slice (WHOLE_BYTES), else as the
 * stream of its bytes, in slices paced by its MessageWork, with the scanner an HTTP body
 * gets (windows that overlap, so a secret cut by a slice is seen whole; its UTF-8 bytes,
 * as the whole-text scan reads it too; never unpacked as an archive, as the whole-text
 * scan never does). Redacting a long
 * message rewrites it whole (one counted piece of work), and the rewrite is scanned
 * again in slices. Each binary message is scanned as a stream of
 * bytes (the engine reads bytes, so UTF-8 or latin1 text inside it is seen as in a
 * text message, with every decoder) and cannot be redacted, so what would be redacted
 * blocks; control payloads (ping, pong, a close reason) are scanned alone. One
 * MessageWindow per session joins each data message to the ones before it: a secret
 * split across messages blocks the message that completes it (its first part has
 * already left, so it cannot be redacted either).
 *
 * @example
 * const out = outboundDlp(state.dlp, decision.inspect?.dlp);
 * out.text(Buffer.from('part1: ghp_ABCDEFGHIJKLMN'), work).ok;   // true
 * out.text(Buffer.from('part2: OPQRSTUVWXYZabcdef12'), work).ok; // false: the join is a GitHub token
 */
export function outboundDlp(dlp: DlpSetup, rule: InspectProfile['dlp'], binaryScanBytes = dlp.maxBodyBytes): OutboundDlp {
  const scan = (text: string): Finding[] => settle(dlp.scanner.scanText(text, WS_LOCATION), dlp, rule);
  const window = new MessageWindow((a, b) =>
    settle(dlp.scanner.scanJoin(a, b, WS_LOCATION), dlp, rule).map((f) => ({ ...f, detail: f.detail ? `${f.detail}; ${ACROSS}` : ACROSS })),
  );

  /** The message's findings, read as a stream of slices; each match's span (offsets in `payload`) to `spans` when given. */
  const stream = async (payload: Buffer, work: MessageWork, spans?: Span[]): Promise<Finding[]> => {
    const body = dlp.scanner.bodyScanner(undefined, Number.MAX_SAFE_INTEGER);
    const found: Finding[] = [];
    // A text message is text: read as such, never unpacked as an archive because of its
    // first bytes (a line break ahead of them keeps the body scanner from taking it for one).
    const lead = sniffContainer(payload.subarray(0, SNIFF_BYTES)) !== undefined ? LINE.length : 0;
    if (spans) body.spans?.((f, s, e) => spans.push([f, Math.max(0, s - lead), e - lead]));
    if (lead > 0) found.push(...body.push(LINE));
    await work.each(payload, (slice) => found.push(...body.push(slice)));
    found.push(...work.run(() => body.end()));
    return settle(relocate(found), dlp, rule);
  };
  /** The join with the messages before: the message's first and last bytes. */
  const join = (out: Buffer): Finding[] =>
    out.length <= WINDOW_BYTES
      ? window.next(out.toString('latin1'))
      : window.next(out.subarray(0, WINDOW_BYTES).toString('latin1'), out.subarray(out.length - WINDOW_BYTES).toString('latin1'));

  const whole = (payload: Buffer): Verdict => {
    const text = UTF8.decode(payload);
    const findings = scan(text);
    let out = text;
    if (findings.some((f) => f.action === 'block')) return { ok: false, error: 'dlp_blocked', findings };
    const redact = findings.filter((f) => f.action === 'redact');
    if (redact.length > 0) {
      out = dlp.scanner.redactText(text, redact);
      // Fail closed: what leaves must scan clean of anything but warnings.
      if (scan(out).some((f) => f.action !== 'warn')) return { ok: false, error: 'dlp_blocked', findings };
    }
    const across =
      out.length <= WINDOW_BYTES
        ? window.next(toByteString(out))
        : window.next(toByteString(out.slice(0, WINDOW_BYTES)), toByteString(out.slice(-WINDOW_BYTES)));
    const sent = out === text ? payload : Buffer.from(out, 'utf8');
    return across.length === 0 ? { ok: true, payload: sent, findings } : withheld([...findings, ...across], sent);
  };

  const sliced = async (payload: Buffer, work: MessageWork): Promise<Verdict> => {
    const spans: Span[] = [];
    const findings = await stream(payload, work, spans);
    if (findings.some((f) => f.action === 'block')) return { ok: false, error: 'dlp_blocked', findings };
    const redact = findings.filter((f) => f.action === 'redact');
    let out = payload;
    if (redact.length > 0) {
      // Cut where the slices' scan found the matches (no second whole scan); the check below reads the result again.
      out = work.run(() => Buffer.from(redactSpans(payload.toString('latin1'), spans, redact), 'latin1'));
      if ((await stream(out, work)).some((f) => f.action !== 'warn')) return { ok: false, error: 'dlp_blocked', findings };
    }
    const across = work.run(() => join(out));
    return across.length === 0 ? { ok: true, payload: out, findings } : withheld([...findings, ...across], out);
  };

  return {
    text: (payload, work) => (payload.length <= WHOLE_BYTES ? work.run(() => whole(payload)) : sliced(payload, work)),
    binary() {
      const body = dlp.scanner.bodyScanner(undefined, binaryScanBytes);
      let head = '';
      let last = '';
      let bytes = 0;
      return {
        push(payload) {
          bytes += payload.length;
          if (head.length < WINDOW_BYTES) head += payload.subarray(0, WINDOW_BYTES - head.length).toString('latin1');
          last = (last + payload.subarray(Math.max(0, payload.length - WINDOW_BYTES)).toString('latin1')).slice(-WINDOW_BYTES);
          return check(settle(relocate(body.push(payload)), dlp, rule));
        },
        end(work) {
          const across = work.run(() => (bytes <= WINDOW_BYTES ? window.next(head) : window.next(head, last)));
          const done = (own: Finding[]): Check => check([...settle(relocate(own), dlp, rule), ...across]);
          const own = endPaced(body, work.pace);
          return Array.isArray(own) ? done(own) : own.then(done);
        },
      };
    },
    control(payload) {
      return payload.length === 0 ? { ok: true, findings: [] } : check(scan(payload.toString('latin1')));
    },
  };
}

/** A verdict for text that may only leave unchanged or not at all (warnings pass). */
function withheld(findings: Finding[], payload: Buffer): Verdict {
  const c = check(findings);
  return c.ok ? { ok: true, payload, findings: c.findings } : c;
}

/** Anything but a warning stops the message; `redact` is recorded as what happened: a block. */
function check(findings: Finding[]): Check {
  if (findings.every((f) => f.action === 'warn')) return { ok: true, findings };
  return { ok: false, error: 'dlp_blocked', findings: findings.map((f) => (f.action === 'redact' ? { ...f, action: 'block' } : f)) };
}

/** Body-scanner findings, placed where WebSocket findings go. */
function relocate(findings: Finding[]): Finding[] {
  return findings.map((f) =>
    f.type === 'dlp_scan_limit'
      ? { ...f, location: WS_LOCATION, detail: 'the rest of a large binary message was not scanned' }
      : { ...f, location: WS_LOCATION },
  );
}

const LINE = Buffer.from('\n');

/** A text message's text as the scanners read it (a leading byte order mark dropped); the relay has checked it is UTF-8. */
const UTF8 = new TextDecoder('utf-8');

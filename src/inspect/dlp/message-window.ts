/**
 * A bounded cross-message window for one direction of a message stream (WebSocket):
 * the last `keep` bytes of what went before, joined to the start of each new message
 * and scanned at the join, so a secret cut across messages is seen whole.
 *
 * Two joins are tried. The plain one (`...AKIAIOSF` + `ODNN7EXAMPLE...`) catches a
 * secret streamed in pieces. When the window ends in an unfinished token
 * (`part1: ghp_ABCDEFGHIJKLMN`, anything but a plain lower-case word), that token is
 * also joined to each of the next message's first few words (`part2: OPQRSTUVWXYZabcdef12`), so a short label in
 * front of the second half does not hide it. Only matches that take bytes from both
 * sides count (each message is scanned on its own anyway), and only of patterns
 * anchored by a keyword, and known secrets (see DlpScanner.scanJoin).
 *
 * Cost per message: a few scans of at most 2 x `keep` bytes, whatever the message
 * size; memory: `keep` bytes.
 *
 * @example
 * const w = new MessageWindow((a, b) => dlp.scanJoin(a, b, 'ws.message'));
 * w.next('part1: ghp_ABCDEFGHIJKLMN');     // []
 * w.next('part2: OPQRSTUVWXYZabcdef12');   // [{ type: 'github_token_unverified', ... }]
 */
import type { Finding } from '../finding.js';

/** Bytes of the stream kept between messages (and of a message's start joined to them). */
export const WINDOW_BYTES = 512;
/** How far into a message a label before the second half may reach. */
const LABEL_SPAN = 32;
/** Words tried after the label. */
const MAX_SKIPS = 4;
/** Shortest unfinished token worth completing. */
const MIN_DANGLING = 4;

export class MessageWindow {
  private tail = '';

  constructor(
    private readonly join: (left: string, right: string) => Finding[],
    private readonly keep = WINDOW_BYTES,
  ) {}

  /**
   * The findings at the join of the window with this message, then the window moves
   * past it. `start` is the message as a byte string, or at least its first `keep`
   * bytes; `last` its last `keep` bytes when `start` is not the whole message.
   */
  next(start: string, last?: string): Finding[] {
    const found = this.tail.length === 0 || start.length === 0 ? [] : this.boundary(start.slice(0, this.keep));
    const end = last ?? start;
    this.tail = end.length >= this.keep ? end.slice(end.length - this.keep) : (this.tail + end).slice(-this.keep);
    return found;
  }

  private boundary(head: string): Finding[] {
    const out = this.join(this.tail, head);
    let d = this.tail.length;
    while (d > 0 && isTokenChar(this.tail.charCodeAt(d - 1))) d--;
    // A plain lower-case word (most prose) starts no credential: skip the extra joins.
    if (this.tail.length - d >= MIN_DANGLING && !/^[a-z]+$/.test(this.tail.slice(d))) {
      const dangling = this.tail.slice(d);
      let tries = 0;
      for (let p = 1; p < Math.min(head.length, LABEL_SPAN) && tries < MAX_SKIPS; p++) {
        if (!isTokenChar(head.charCodeAt(p)) || isTokenChar(head.charCodeAt(p - 1))) continue;
        tries++;
        out.push(...this.join(dangling, head.slice(p)));
      }
    }
    const seen = new Set<string>();
    return out.filter((f) => {
      const k = `${f.type}|${f.encoding ?? ''}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
}

/** The characters credentials are made of: letters, digits, `_` and `-`. */
function isTokenChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
}

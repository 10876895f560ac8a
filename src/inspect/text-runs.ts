/**
 * The text a lenient reader still finds in bytes that do not look like text: runs of
 * printable characters (ASCII and valid UTF-8) with control bytes dropped, so text
 * sprinkled with NULs or put behind a block of binary is read as text, while random
 * or zero-filled data yields next to nothing (a run ends at a byte of broken UTF-8
 * and counts only from MIN_RUN characters on).
 *
 * Linear, one pass, no regular expressions.
 *
 * @example
 * const runs = new TextRuns();
 * scanner.scanText(runs.push(chunk), 'response.body'); // ...and runs.end() at the end
 */

/** Characters a run needs before it counts as text. */
export const MIN_RUN = 8;
/** A run carried from one chunk to the next is cut to this many bytes. */
const MAX_CARRY = 4096;

export class TextRuns {
  #carry: Buffer = Buffer.alloc(0);
  #carryRun = 0;
  /** The start of a UTF-8 sequence the last chunk cut. */
  #pending: Buffer = Buffer.alloc(0);

  /** The runs that ended in this chunk (with the one carried in), one per line. */
  push(chunk: Buffer): string {
    return this.#extract(chunk, false);
  }

  /** The run still open at the end. */
  end(): string {
    return this.#extract(Buffer.alloc(0), true);
  }

  #extract(input: Buffer, last: boolean): string {
    const chunk = this.#pending.length > 0 ? Buffer.concat([this.#pending, input]) : input;
    this.#pending = Buffer.alloc(0);
    // Each line ends a run of at least MIN_RUN bytes: room for one newline per MIN_RUN.
    const out = Buffer.allocUnsafe(Math.ceil(((this.#carry.length + chunk.length) * (MIN_RUN + 1)) / MIN_RUN) + 2);
    this.#carry.copy(out, 0);
    let w = this.#carry.length;
    let run = this.#carryRun;
    let runStart = 0;
    let done = 0; // bytes of `out` that are complete lines
    const close = (): void => {
      if (run >= MIN_RUN) {
        out[w++] = 0x0a;
        done = w;
      } else w = runStart;
      runStart = w;
      run = 0;
    };
    for (let i = 0; i < chunk.length;) {
      const c = chunk[i]!;
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x7f) {
          out[w++] = c;
          run++;
        } else if (c === 0x09 || c === 0x0a || c === 0x0d) {
          out[w++] = 0x20;
          run++;
        }
        // Other control bytes are dropped: they neither show nor end a run.
        i++;
        continue;
      }
      const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
      let ok = len > 0 && i + len <= chunk.length;
      for (let k = 1; ok && k < len; k++) if ((chunk[i + k]! & 0xc0) !== 0x80) ok = false;
      if (!ok) {
        // A sequence cut by the chunk's end is read with the next chunk.
        if (len > 0 && i + len > chunk.length && !last) {
          this.#pending = Buffer.from(chunk.subarray(i));
          break;
        }
        close();
        i++;
        continue;
      }
      for (let k = 0; k < len; k++) out[w++] = chunk[i + k]!;
      run++;
      i += len;
    }
    if (last) {
      close();
      this.#carry = Buffer.alloc(0);
      this.#carryRun = 0;
      return out.toString('utf8', 0, done);
    }
    // The open run goes on with the next chunk (bounded).
    const open = out.subarray(runStart, w);
    this.#carry = Buffer.from(open.length > MAX_CARRY ? open.subarray(open.length - MAX_CARRY) : open);
    this.#carryRun = open.length > MAX_CARRY ? MIN_RUN : run;
    return out.toString('utf8', 0, done);
  }
}

/**
 * The MCP stdio transport's framing: one JSON-RPC payload per line, lines ended by
 * `\n` (a `\r` before it is dropped; blank lines are skipped). Bounded: a line
 * longer than `maxBytes` is not kept; its bytes are only run through the envelope
 * scanner (so the refusal can name the request's id) and it comes out as
 * `oversized`. Memory is at most `maxBytes` plus one chunk, whatever the input.
 *
 * @example
 * const split = new LineSplitter(4 * 1024 * 1024);
 * for (const line of split.push(chunk)) handle(line);
 * for (const line of split.end()) handle(line);
 */
import { EnvelopeScanner, type Envelope } from './envelope.js';

export type Line = { kind: 'line'; bytes: Buffer } | { kind: 'oversized'; bytes: number; envelope: Envelope };

const NL = 0x0a;

export class LineSplitter {
  #parts: Buffer[] = [];
  #size = 0;
  /** Set while discarding a line that went over the limit. */
  #over: EnvelopeScanner | null = null;

  constructor(private readonly maxBytes: number) {}

  /** The lines this chunk completes. */
  push(chunk: Buffer): Line[] {
    const out: Line[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      this.#take(piece);
      if (nl === -1) break;
      const line = this.#finish();
      if (line) out.push(line);
      start = nl + 1;
    }
    return out;
  }

  /** The last line, when the input ended without a newline. */
  end(): Line[] {
    const line = this.#finish();
    return line ? [line] : [];
  }

  #take(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#size += piece.length;
    if (this.#over) {
      this.#over.push(piece);
      return;
    }
    this.#parts.push(piece);
    // Over by one byte may be the '\r' of a CRLF ending: decided when the line ends.
    if (this.#size > this.maxBytes + 1) {
      this.#over = new EnvelopeScanner();
      for (const p of this.#parts) this.#over.push(p);
      this.#parts = [];
    }
  }

  #finish(): Line | null {
    const size = this.#size;
    const over = this.#over;
    const parts = this.#parts;
    this.#parts = [];
    this.#size = 0;
    this.#over = null;
    if (over) return { kind: 'oversized', bytes: size, envelope: over.result() };
    let bytes = parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length > this.maxBytes) {
      const s = new EnvelopeScanner();
      s.push(bytes);
      return { kind: 'oversized', bytes: bytes.length, envelope: s.result() };
    }
    if (isBlank(bytes)) return null;
    return { kind: 'line', bytes };
  }
}

function isBlank(b: Buffer): boolean {
  for (const c of b) if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  return true;
}

/**
 * Server-Sent Events, incrementally: chunks in, complete events out, as the
 * WHATWG parsing rules have it (CRLF, LF or CR line ends, one leading space of a
 * value dropped, `data` lines joined by '\n', a blank line dispatches). Built for
 * a gate that inspects and rewrites MCP messages inside `text/event-stream`
 * responses event by event, so it also keeps what a browser would drop (comments,
 * `retry`, id-only blocks) and `serializeSseEvent` writes an event back.
 *
 * Bounded: an event (its lines, fields and comments) larger than `maxEventBytes`
 * throws SseLimitError, so memory does not grow with a stream that never sends a
 * blank line. An unterminated event at the end of the stream is dropped, as the
 * spec says; a rewriter that forwards only what the parser yields therefore never
 * forwards bytes it has not inspected.
 *
 * @example
 * const p = new SseParser();
 * p.push('event: message\nda');
 * p.push('ta: {"jsonrpc":"2.0"}\n\n'); // [{ event: 'message', data: '{"jsonrpc":"2.0"}' }]
 * serializeSseEvent({ event: 'message', data: '{}' }); // 'event: message\ndata: {}\n\n'
 */
import { isUtf8 } from 'node:buffer';

/** One event block. Fields absent from the block are absent here. */
export interface SseEvent {
  /** The `event:` field (the client treats absent as "message"). */
  event?: string;
  /** The `data:` lines joined by '\n'; absent when the block had no data line. */
  data?: string;
  /** The `id:` field (an empty value resets the last event id, so '' is kept). */
  id?: string;
  /** The `retry:` field, when it was all ASCII digits. */
  retry?: number;
  /** Comment lines (`:` onwards, without the colon), e.g. keep-alives. */
  comments?: string[];
  /**
   * Bytes of this event (or of a chunk it shares) were not valid UTF-8: the text
   * holds U+FFFD where a stricter client may refuse or read otherwise. Only ever true.
   */
  invalidUtf8?: true;
}

export const DEFAULT_MAX_EVENT_BYTES = 4 * 1024 * 1024;

/** An event grew past the parser's bound. */
export class SseLimitError extends Error {
  readonly code = 'sse_event_too_large';
  constructor(readonly limit: number) {
    super(`server-sent event larger than ${limit} bytes`);
    this.name = 'SseLimitError';
  }
}

export interface SseParserOptions {
  /** Characters per event (lines, fields and comments) at most; default 4 MiB. */
  maxEventBytes?: number;
}

export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #max: number;
  /** Text of the line being read. */
  #line = '';
  /** The previous chunk ended in CR: a leading LF in the next one belongs to that line end. */
  #pendingCr = false;
  #started = false;
  #event: SseEvent = {};
  #data: string[] | null = null;
  #size = 0;
  readonly #utf8 = new Utf8Check();
  /** The chunk being fed had invalid UTF-8: every event it touches says so. */
  #badChunk = false;
  /** The event being read started in such a chunk. */
  #badEvent = false;

  constructor(opts: SseParserOptions = {}) {
    this.#max = opts.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    if (!(this.#max > 0)) throw new RangeError('maxEventBytes must be a positive number');
  }

  /** Feed a chunk; returns the events it completed, in order. Throws SseLimitError past the bound. */
  push(chunk: Buffer | Uint8Array | string): SseEvent[] {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    this.#badChunk = typeof chunk !== 'string' && !this.#utf8.push(chunk);
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out = this.#feed(text);
    // The event still being read holds bytes of this chunk.
    if (this.#badChunk && (this.#size > 0 || this.#line !== '' || this.#pendingCr)) this.#badEvent = true;
    this.#badChunk = false;
    return out;
  }

  /** The stream ended: flush the decoder and a line ended by a final CR; an unterminated event is dropped. */
  end(): SseEvent[] {
    this.#badChunk = !this.#utf8.end();
    const out = this.#feed(this.#decoder.decode());
    if (this.#pendingCr) {
      this.#pendingCr = false;
      this.#lineDone(out);
    }
    this.#line = '';
    this.#reset();
    return out;
  }

  #feed(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let i = 0;
    if (this.#pendingCr && text.length > 0) {
      this.#pendingCr = false;
      if (text.charCodeAt(0) === 0x0a) i = 1;
    }
    while (i < text.length) {
      let j = i;
      while (j < text.length) {
        const c = text.charCodeAt(j);
        if (c === 0x0a || c === 0x0d) break;
        j++;
      }
      if (j > i) {
        this.#grow(j - i);
        this.#line += text.slice(i, j);
      }
      if (j === text.length) break;
      const cr = text.charCodeAt(j) === 0x0d;
      this.#lineDone(out);
      i = j + 1;
      if (cr) {
        if (i === text.length) this.#pendingCr = true;
        else if (text.charCodeAt(i) === 0x0a) i++;
      }
    }
    return out;
  }

  #grow(n: number): void {
    this.#size += n;
    if (this.#size > this.#max) throw new SseLimitError(this.#max);
  }

  #lineDone(out: SseEvent[]): void {
    const line = this.#line;
    this.#line = '';
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    this.#grow(1);
    const colon = line.indexOf(':');
    if (colon === 0) {
      (this.#event.comments ??= []).push(line.slice(1));
      return;
    }
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'event':
        this.#event.event = value;
        break;
      case 'data':
        (this.#data ??= []).push(value);
        break;
      case 'id':
        // The spec ignores an id containing NULL.
        if (!value.includes('\0')) this.#event.id = value;
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) this.#event.retry = Number(value);
        break;
      default:
        // Unknown fields are ignored by clients; dropping them here loses nothing they would see.
        break;
    }
  }

  #dispatch(out: SseEvent[]): void {
    const e = this.#event;
    if (this.#data !== null) e.data = this.#data.join('\n');
    if (this.#badChunk || this.#badEvent) e.invalidUtf8 = true;
    this.#badEvent = false;
    if (e.data !== undefined || e.event !== undefined || e.id !== undefined || e.retry !== undefined || e.comments !== undefined) out.push(e);
    this.#reset();
  }

  #reset(): void {
    this.#event = {};
    this.#data = null;
    this.#size = 0;
  }
}

/**
 * UTF-8 validity of a byte stream, chunk by chunk: a character split across two
 * chunks is carried (at most 3 bytes) and judged with the next one.
 */
class Utf8Check {
  #carry: Buffer | null = null;

  /** False when the bytes so far (but an incomplete last character) are not UTF-8. */
  push(chunk: Uint8Array): boolean {
    const b = this.#carry ? Buffer.concat([this.#carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let cut = b.length;
    for (let k = b.length - 1; k >= 0 && k >= b.length - 3; k--) {
      const c = b[k]!;
      if ((c & 0xc0) === 0x80) continue;
      const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
      if (b.length - k < need) cut = k;
      break;
    }
    this.#carry = cut < b.length ? Buffer.from(b.subarray(cut)) : null;
    return isUtf8(b.subarray(0, cut));
  }

  /** False when the stream ended inside a character. */
  end(): boolean {
    const ok = this.#carry === null;
    this.#carry = null;
    return ok;
  }
}

/**
 * One event as wire text, ending in the blank line that dispatches it. Data with
 * line breaks becomes several `data:` lines. Throws TypeError when `event` or `id`
 * contains a line break (it would inject fields) or a comment does.
 *
 * @example
 * serializeSseEvent({ id: '7', data: 'a\nb' }); // 'id: 7\ndata: a\ndata: b\n\n'
 */
export function serializeSseEvent(e: SseEvent): string {
  let out = '';
  for (const c of e.comments ?? []) out += `:${single('comment', c)}\n`;
  if (e.event !== undefined) out += `event: ${single('event', e.event)}\n`;
  if (e.id !== undefined) out += `id: ${single('id', e.id)}\n`;
  if (e.retry !== undefined) {
    if (!Number.isSafeInteger(e.retry) || e.retry < 0) throw new TypeError(`SSE retry must be a non-negative integer; got ${e.retry}`);
    out += `retry: ${e.retry}\n`;
  }
  if (e.data !== undefined) for (const line of e.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

function single(field: string, v: string): string {
  if (/[\r\n]/.test(v)) throw new TypeError(`SSE ${field} cannot contain a line break`);
  return v;
}

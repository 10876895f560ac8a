/**
 * Reads an LLM API's usage out of its response body as the body streams past, keeping
 * only a bounded window of it (the body itself goes to the agent untouched):
 *
 * - an event stream (`text/event-stream`): each event's `data:` parsed on its own (an
 *   event larger than MAX_EVENT is skipped), the usage merged event by event;
 * - anything else, as JSON: a body up to MAX_WHOLE is parsed whole; a larger one keeps
 *   its first HEAD bytes (where `model` is) and its last TAIL bytes (where every style
 *   puts `usage`), and the last `"usage": {...}` object in the tail is parsed.
 *
 * @example
 * const r = new UsageReader('text/event-stream');
 * for (const chunk of body) r.push(chunk);
 * r.end(); // { model: 'claude-x', input: 10, output: 25 }
 */
import { StringDecoder } from 'node:string_decoder';
import { mergeUsage, readUsage, type LlmUsage } from './usage.js';

export const MAX_WHOLE = 64 * 1024;
export const MAX_EVENT = 64 * 1024;
const HEAD = 8 * 1024;
const TAIL = 32 * 1024;

export class UsageReader {
  readonly #sse: boolean;
  #usage: LlmUsage | null = null;
  /** JSON: the body while it fits MAX_WHOLE, then its tail. */
  #chunks: Buffer[] = [];
  #size = 0;
  #head: Buffer | null = null;
  /** SSE: the current line so far, and the current event's data. */
  #line = '';
  #data: string[] = [];
  #dataSize = 0;
  #skipping = false;
  /** A character split across chunks stays whole. */
  readonly #decoder = new StringDecoder('utf8');

  constructor(contentType: string | undefined) {
    this.#sse = (contentType ?? '').toLowerCase().startsWith('text/event-stream');
  }

  push(chunk: Buffer): void {
    if (this.#sse) return this.#pushEvents(this.#decoder.write(chunk));
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    if (this.#size <= MAX_WHOLE) return;
    this.#head ??= Buffer.concat(this.#chunks).subarray(0, HEAD);
    // Keep the last TAIL bytes (whole chunks: at most one chunk more than TAIL).
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0]!.length >= TAIL) this.#size -= this.#chunks.shift()!.length;
  }

  /** The body is complete: what it said, or null when it said nothing readable. */
  end(): LlmUsage | null {
    if (this.#sse) {
      this.#pushEvents(`${this.#decoder.end()}\n\n`);
      return this.#usage;
    }
    const body = Buffer.concat(this.#chunks).toString('utf8');
    this.#chunks = [];
    if (this.#head === null) return readUsage(parse(body));
    const usage = readUsage(lastUsageObject(body));
    const model = /"model(?:Version)?"\s*:\s*"([^"\\]{1,200})"/.exec(this.#head.toString('utf8'))?.[1];
    return mergeUsage(model === undefined ? null : readUsage({ model }), usage);
  }

  #pushEvents(text: string): void {
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl === -1) {
        this.#addToLine(text.slice(from));
        return;
      }
      this.#addToLine(text.slice(from, nl));
      from = nl + 1;
      const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
      this.#line = '';
      this.#onLine(line);
    }
  }

  #addToLine(s: string): void {
    if (this.#skipping) return;
    if (this.#line.length + s.length > MAX_EVENT) {
      this.#skipping = true;
      this.#line = '';
      return;
    }
    this.#line += s;
  }

  #onLine(line: string): void {
    if (line === '') {
      if (!this.#skipping && this.#data.length > 0) this.#usage = mergeUsage(this.#usage, readUsage(parse(this.#data.join('\n'))));
      this.#data = [];
      this.#dataSize = 0;
      this.#skipping = false;
      return;
    }
    if (this.#skipping || !line.startsWith('data:')) return;
    const d = line.slice(line.startsWith('data: ') ? 6 : 5);
    this.#dataSize += d.length;
    if (this.#dataSize > MAX_EVENT) this.#skipping = true;
    else this.#data.push(d);
  }
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** The last `"usage": {...}` (or `"usageMetadata"`) object in `s`, as `{ usage }` / `{ usageMetadata }`, or null. */
export function lastUsageObject(s: string): unknown {
  const re = /"(usage|usageMetadata)"\s*:\s*\{/g;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) last = m;
  if (last === null) return null;
  const open = last.index + last[0].length - 1;
  const close = matchingBrace(s, open);
  return close === -1 ? null : { [last[1]!]: parse(s.slice(open, close + 1)) };
}

/** The index of the `}` closing the `{` at `open` (strings and escapes skipped), or -1. */
function matchingBrace(s: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123) depth++;
    else if (c === 125 && --depth === 0) return i;
  }
  return -1;
}

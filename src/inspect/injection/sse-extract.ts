/**
 * Server-Sent Events to text: the `data:` lines of each event (comments, `id:`,
 * `event:` and `retry:` are not shown to a model and are skipped). Data that is
 * JSON is parsed per event (events are small) and its strings taken out:
 * strings under a `delta` (OpenAI, Anthropic and Responses-API streaming) are
 * glued together with no separator, since a model's reply arrives a few
 * characters per event and an injection split across events must read whole;
 * other strings (MCP results, A2A parts) end with a line break. Identifiers and
 * bookkeeping keys (id, model, role, ...) are left out. An event's data is held
 * up to 1 MiB; past that it streams as plain text.
 *
 * @example
 * const x = new SseExtractor();
 * x.push('data: {"choices":[{"delta":{"content":"ign"}}]}\n\ndata: {"choices":[{"delta":{"content":"ore"}}]}\n\n');
 * // [{ text: 'ignore' }]
 */
import type { TextSegment } from './types.js';

const MAX_EVENT = 1024 * 1024;
/** Pieces of an unfinished line held before they are joined into one. */
const JOIN_PIECES = 64;
const META_KEYS = new Set([
  'id',
  'object',
  'model',
  'role',
  'finish_reason',
  'stop_reason',
  'type',
  'system_fingerprint',
  'event',
  'jsonrpc',
  'index',
  'created',
  'service_tier',
  'messageId',
  'taskId',
  'contextId',
  'kind',
  'mimeType',
  'status',
  'state',
]);
const LINE = /\r\n|\r|\n/;

function collect(value: unknown, inDelta: boolean, key: string, glued: string[], lines: string[], depth: number): void {
  if (depth > 32) return;
  if (typeof value === 'string') {
    if (inDelta || key === 'delta') glued.push(value);
    else if (!META_KEYS.has(key)) lines.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collect(v, inDelta, key, glued, lines, depth + 1);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collect(v, inDelta || k === 'delta', k, glued, lines, depth + 1);
  }
}

/** `line` without a final '\r' (a regex anchored at the end would try every position of a 1 MiB line). */
function withoutFinalCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

export class SseExtractor {
  /**
   * The line being read, in pieces: a chunk without a line break is appended and not
   * looked at again, so a long unterminated line costs time linear in its length
   * (re-splitting `partial + chunk` on every chunk was quadratic).
   */
  private partial: string[] = [];
  private partialLength = 0;
  /** Entries of `partial` that are already joins of JOIN_PIECES pieces. */
  private joined = 0;
  private data: string[] = [];
  private dataLength = 0;
  private overflowed = false;
  private out: TextSegment[] = [];

  push(chunk: string): TextSegment[] {
    if (chunk === '') return [];
    // A trailing '\r' may be half of '\r\n': keep it with the partial line.
    const heldBefore = this.partial[this.partial.length - 1]?.endsWith('\r') ?? false;
    if (!heldBefore && !LINE.test(chunk.endsWith('\r') ? chunk.slice(0, -1) : chunk)) {
      this.partial.push(chunk);
      this.partialLength += chunk.length;
      // Joined every few dozen pieces: a long line of small chunks is then a few strings, not thousands for the collector to copy.
      if (this.partial.length - this.joined >= JOIN_PIECES) {
        const tail = this.partial.splice(this.joined).join('');
        this.partial.push(tail);
        this.joined = this.partial.length;
      }
      if (this.partialLength > MAX_EVENT) this.flushPartial();
      return this.take();
    }
    let text = this.partial.join('') + chunk;
    this.partial = [];
    this.partialLength = 0;
    this.joined = 0;
    const heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    const lines = text.split(LINE);
    const rest = (lines.pop() ?? '') + (heldCr ? '\r' : '');
    for (const line of lines) this.line(line);
    if (rest !== '') {
      this.partial.push(rest);
      this.partialLength = rest.length;
    }
    if (this.partialLength > MAX_EVENT) this.flushPartial();
    return this.take();
  }

  end(): TextSegment[] {
    if (this.partialLength > 0) this.line(withoutFinalCr(this.partial.join('')));
    this.partial = [];
    this.partialLength = 0;
    this.joined = 0;
    this.dispatch();
    return this.take();
  }

  /** A line past MAX_EVENT is read as it stands (streamed as text from here on). */
  private flushPartial(): void {
    this.line(withoutFinalCr(this.partial.join('')));
    this.partial = [];
    this.partialLength = 0;
    this.joined = 0;
  }

  private take(): TextSegment[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (!line.startsWith('data')) return;
    const value = line.startsWith('data: ') ? line.slice(6) : line.startsWith('data:') ? line.slice(5) : null;
    if (value === null) return;
    if (this.overflowed) {
      this.emit(`${value}\n`);
      return;
    }
    this.data.push(value);
    this.dataLength += value.length;
    if (this.dataLength > MAX_EVENT) {
      this.emit(`${this.data.join('\n')}\n`);
      this.data = [];
      this.dataLength = 0;
      this.overflowed = true;
    }
  }

  private dispatch(): void {
    const data = this.data.join('\n');
    this.data = [];
    this.dataLength = 0;
    this.overflowed = false;
    if (data === '') return;
    const first = data.trimStart()[0];
    if (first === '{' || first === '[') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(data);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        const glued: string[] = [];
        const lines: string[] = [];
        collect(parsed, false, '', glued, lines, 0);
        if (glued.length > 0) this.emit(glued.join(''));
        if (lines.length > 0) this.emit(`\n${lines.join('\n')}\n`);
        return;
      }
    }
    this.emit(`${data}\n`);
  }

  private emit(text: string): void {
    if (text === '') return;
    const last = this.out[this.out.length - 1];
    if (last !== undefined) last.text += text;
    else this.out.push({ text });
  }
}

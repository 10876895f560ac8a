/**
 * Streaming JSON string extraction: every string (keys and values) decoded
 * (\n, \", \uXXXX with surrogate pairs, ...) and emitted one per line, without
 * building the document. Works on any sequence of JSON texts (NDJSON too) and
 * tolerates malformed input (it only tracks whether it is inside a string).
 * A string value that carries HTML is read through the HTML extractor, so a
 * comment inside `"body_html": "...<!-- ... -->"` is still a hidden segment.
 * Strings are held whole up to 256 KiB for that check, then streamed as text.
 *
 * @example
 * const x = new JsonStringExtractor();
 * [...x.push('{"a":"ign\\u006fre"}'), ...x.end()]; // [{ text: 'a\nignore\n' }]
 */
import { HtmlTextExtractor } from './html-extract.js';
import type { TextSegment } from './types.js';

const MAX_HELD = 256 * 1024;
const LOOKS_HTML = /<(?:!--|\/?[a-zA-Z][\w-]*[\s>/])/;
const STRING_STOP = /["\\]/g;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\n', b: ' ', f: ' ', '"': '"', '\\': '\\', '/': '/' };

export class JsonStringExtractor {
  private inString = false;
  private escape = false;
  private hex: string | null = null;
  private held: string[] = [];
  private heldLength = 0;
  private streaming = false;
  private out: TextSegment[] = [];

  push(chunk: string): TextSegment[] {
    let i = 0;
    while (i < chunk.length) {
      if (this.hex !== null) {
        const need = 4 - this.hex.length;
        this.hex += chunk.slice(i, i + need);
        i += Math.min(need, chunk.length - i);
        if (this.hex.length === 4) {
          const code = Number.parseInt(this.hex, 16);
          this.add(Number.isNaN(code) ? '\ufffd' : String.fromCharCode(code));
          this.hex = null;
        }
        continue;
      }
      if (this.escape) {
        const c = chunk[i]!;
        this.escape = false;
        i++;
        if (c === 'u') this.hex = '';
        else this.add(ESCAPES[c] ?? c);
        continue;
      }
      if (!this.inString) {
        const q = chunk.indexOf('"', i);
        if (q < 0) break;
        this.inString = true;
        i = q + 1;
        continue;
      }
      STRING_STOP.lastIndex = i;
      const m = STRING_STOP.exec(chunk);
      if (m === null) {
        this.add(chunk.slice(i));
        break;
      }
      if (m.index > i) this.add(chunk.slice(i, m.index));
      i = m.index + 1;
      if (m[0] === '\\') this.escape = true;
      else this.finishString();
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  end(): TextSegment[] {
    if (this.inString) this.finishString();
    const out = this.out;
    this.out = [];
    return out;
  }

  private add(text: string): void {
    if (this.streaming) {
      this.emit({ text });
      return;
    }
    this.held.push(text);
    this.heldLength += text.length;
    if (this.heldLength > MAX_HELD) {
      this.emit({ text: this.held.join('') });
      this.held = [];
      this.heldLength = 0;
      this.streaming = true;
    }
  }

  private finishString(): void {
    this.inString = false;
    this.escape = false;
    this.hex = null;
    if (!this.streaming) {
      const s = this.held.join('');
      if (s.includes('<') && LOOKS_HTML.test(s)) {
        // A model reads the string as is ("<the user's message>", "<<SYS>>" are text to it);
        // the HTML reading adds what markup hides (comments, display:none, attributes).
        this.emit({ text: s });
        this.emit({ text: '\n' });
        const html = new HtmlTextExtractor();
        for (const seg of [...html.push(s), ...html.end()]) this.emit(seg);
      } else {
        this.emit({ text: s });
      }
    }
    this.emit({ text: '\n' });
    this.held = [];
    this.heldLength = 0;
    this.streaming = false;
  }

  private emit(seg: TextSegment): void {
    if (seg.text === '') return;
    const last = this.out[this.out.length - 1];
    if (last !== undefined && last.hidden === seg.hidden) last.text += seg.text;
    else this.out.push(seg.hidden !== undefined ? { text: seg.text, hidden: seg.hidden } : { text: seg.text });
  }
}

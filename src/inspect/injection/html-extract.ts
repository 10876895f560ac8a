/**
 * Streaming HTML (and XML) to text, as a reader-model would get it: tags go,
 * text stays, including the text a human never sees. Comments and hidden
 * elements (see html-hidden.ts) come out as their own segments, labelled, so the
 * scanner can flag hidden-text tricks. <script> and <style> bodies are skipped
 * (code, not prose). Block tags become line breaks, inline tags nothing, so
 * "ig<b>nore</b>" reads "ignore". Tags named like instruction wrappers
 * (<important>, <system>, <instructions>, <secret>, <hidden>) are kept as literal
 * text for the patterns. The values of alt, title, aria-label, placeholder and
 * <meta content> come out as segments labelled `<attr>-attribute`: a model reads
 * them, a sighted reader does not. Character references are decoded later, in
 * normalisation, so one split across chunks rejoins when segments merge.
 *
 * Memory is bounded: a tag's source is kept up to 4 KiB for attribute checks and
 * the open-element stack to 256 entries.
 *
 * @example
 * const x = new HtmlTextExtractor();
 * [...x.push('<p>Hi<!-- psst --></p>'), ...x.end()];
 * // [{ text: '\nHi' }, { text: ' psst ', hidden: 'html-comment' }, { text: '\n' }]
 */
import { hiddenReason } from './html-hidden.js';
import type { TextSegment } from './types.js';

const BLOCK = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'tr',
  'td',
  'th',
  'table',
  'section',
  'article',
  'header',
  'footer',
  'nav',
  'pre',
  'blockquote',
  'hr',
  'dt',
  'dd',
  'dl',
  'title',
  'option',
  'form',
  'main',
  'aside',
  'figure',
  'figcaption',
  'body',
  'html',
  'head',
  'summary',
  'details',
]);
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr', '!doctype']);
const KEEP_LITERAL = new Set([
  'important',
  'system',
  'instruction',
  'instructions',
  'secret',
  'hidden',
  // Tool-result wrappers, kept so a fake closer (</tool_result><system>) reads as one.
  'tool_result',
  'tool_results',
  'tool_output',
  'tool_response',
  'function_results',
  'function_result',
  'function_output',
  'search_results',
  'search_result',
  'user_input',
  'untrusted_content',
  'observation',
]);
/** Attributes whose text a model reads (alt text, tooltips, labels, meta descriptions) and a sighted reader mostly does not. */
const READ_ATTRS = /\s(alt|title|aria-label|aria-description|placeholder|content)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
const RAW = new Set(['script', 'style']);
const MAX_TAG = 4096;
const MAX_STACK = 256;
const TAG_NAME = /^<\/?([a-zA-Z!?][\w:.-]*)/;

type State = 'text' | 'tag' | 'comment' | 'raw';

export class HtmlTextExtractor {
  private state: State = 'text';
  private carry = '';
  private tagSrc = '';
  private tagQuote = '';
  private tagPrev = '';
  private rawClose = '';
  private readonly stack: Array<{ name: string; hidden?: string }> = [];
  private out: TextSegment[] = [];

  push(chunk: string): TextSegment[] {
    let buf = this.carry + chunk;
    this.carry = '';
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'text') {
        const lt = buf.indexOf('<', i);
        if (lt < 0) {
          this.text(buf.slice(i));
          i = buf.length;
          break;
        }
        if (lt > i) this.text(buf.slice(i, lt));
        if (buf.length - lt < 4) {
          // Not enough to tell a comment, a tag and a lone '<' apart yet.
          this.carry = buf.slice(lt);
          buf = '';
          break;
        }
        if (buf.startsWith('<!--', lt)) {
          this.state = 'comment';
          i = lt + 4;
        } else if (/[a-zA-Z/!?]/.test(buf[lt + 1]!)) {
          this.state = 'tag';
          this.tagSrc = '';
          this.tagQuote = '';
          this.tagPrev = '';
          i = lt;
        } else {
          this.text('<');
          i = lt + 1;
        }
      } else if (this.state === 'tag') {
        i = this.scanTag(buf, i);
      } else if (this.state === 'comment') {
        const close = buf.indexOf('-->', i);
        if (close < 0) {
          const keep = Math.max(i, buf.length - 2);
          this.emit(buf.slice(i, keep), 'html-comment');
          this.carry = buf.slice(keep);
          break;
        }
        // Nothing visible in its place: a browser renders "prev<!-- -->ious" as "previous".
        this.emit(buf.slice(i, close), 'html-comment');
        this.state = 'text';
        i = close + 3;
      } else {
        const lower = buf.toLowerCase();
        const close = lower.indexOf(this.rawClose, i);
        if (close < 0) {
          this.carry = buf.slice(Math.max(i, buf.length - this.rawClose.length));
          break;
        }
        this.state = 'tag';
        this.tagSrc = '';
        this.tagQuote = '';
        this.tagPrev = '';
        i = close;
      }
    }
    const out = this.out;
    this.out = [];
    return out;
  }

  end(): TextSegment[] {
    if (this.state === 'text' && this.carry !== '') this.text(this.carry);
    if (this.state === 'comment' && this.carry !== '') this.emit(this.carry, 'html-comment');
    this.carry = '';
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Consume tag characters from `i`; returns where text resumes (or buf.length). */
  private scanTag(buf: string, i: number): number {
    let j = i;
    for (; j < buf.length; j++) {
      const c = buf[j]!;
      if (this.tagQuote !== '') {
        if (c === this.tagQuote) this.tagQuote = '';
      } else if (c === '"' || c === "'") {
        // Quotes delimit attribute values only after '='; a stray quote elsewhere does not.
        if (this.tagPrev === '=') this.tagQuote = c;
      } else if (c === '>') {
        break;
      }
      if (this.tagQuote === '' && c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') this.tagPrev = c;
    }
    const piece = buf.slice(i, j === buf.length ? j : j + 1);
    if (this.tagSrc.length < MAX_TAG) this.tagSrc += piece.slice(0, MAX_TAG - this.tagSrc.length);
    if (j === buf.length) return j;
    this.state = 'text';
    this.onTag(this.tagSrc);
    this.tagSrc = '';
    return j + 1;
  }

  private onTag(src: string): void {
    const m = TAG_NAME.exec(src);
    const name = (m?.[1] ?? '').toLowerCase();
    const closing = src.startsWith('</');
    if (KEEP_LITERAL.has(name)) {
      this.text(closing ? `</${name}>` : `<${name}>`);
      return;
    }
    if (BLOCK.has(name)) this.emit('\n', this.currentHidden());
    if (!closing) this.attributes(name, src);
    if (closing) {
      this.close(name);
      return;
    }
    if (name.startsWith('!') || name.startsWith('?') || VOID.has(name) || src.endsWith('/>')) return;
    if (RAW.has(name)) {
      this.state = 'raw';
      this.rawClose = `</${name}`;
      return;
    }
    if (this.stack.length >= MAX_STACK) this.stack.shift();
    const hidden = hiddenReason(src);
    this.stack.push(hidden !== undefined ? { name, hidden } : { name });
  }

  /** Emit the reader-facing attribute values of a start tag as hidden segments of their own. */
  private attributes(name: string, src: string): void {
    if (!src.includes('=')) return;
    READ_ATTRS.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = READ_ATTRS.exec(src)) !== null) {
      const attr = m[1]!.toLowerCase();
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      // content= is prose only on <meta> (a description); elsewhere it is not an attribute a model reads.
      // A value without a space is an identifier or a URL, unless it is in a script without spaces (zh, ja).
      if ((attr === 'content' && name !== 'meta') || (!/\s/.test(value.trim()) && !/[\u0080-\uffff]/.test(value))) continue;
      this.emit(`\n${value.replace(/[\r\n\t]+/g, ' ')}\n`, `${attr === 'content' ? 'meta' : attr}-attribute`);
    }
  }

  private close(name: string): void {
    for (let k = this.stack.length - 1; k >= 0 && k >= this.stack.length - 64; k--) {
      if (this.stack[k]!.name === name) {
        this.stack.length = k;
        return;
      }
    }
  }

  private currentHidden(): string | undefined {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const h = this.stack[k]!.hidden;
      if (h !== undefined) return h;
    }
    return undefined;
  }

  private text(t: string): void {
    if (t !== '') this.emit(t.replace(/[\r\n\t]+/g, ' '), this.currentHidden());
  }

  private emit(text: string, hidden: string | undefined): void {
    if (text === '') return;
    const last = this.out[this.out.length - 1];
    if (last !== undefined && last.hidden === hidden) {
      last.text += text;
      return;
    }
    this.out.push(hidden !== undefined ? { text, hidden } : { text });
  }
}

/**
 * Shell words as they were written, for the obfuscation scan: chain-shell-lex.ts
 * cooks words (quotes removed, escapes applied) and lays `$(...)` out flat, which
 * is right for "what does this line do" but erases "how was this word spelled".
 * Here every word keeps its parts (unquoted text, a backslash escape, '...', "...",
 * $'...', $x / ${x...}, $(...) and `...` with their own tokens, <(...)), and the
 * operators between words are kept, so a reader can tell which word is in command
 * position and how it was assembled.
 *
 * It reads, it does not expand. Work is linear in the input: nesting deeper than
 * MAX_NEST is skipped as opaque, and at most MAX_TOKENS tokens are read (more than
 * a 256 KiB line can hold).
 *
 * @example
 * tokenizeShell("r''m -rf /")[0]
 * // { t: 'word', raw: "r''m", parts: [{ kind: 'lit', text: 'r' }, { kind: 'sq', text: '' }, { kind: 'lit', text: 'm' }] }
 */
/** One piece of a word, as written. */
export type WordPart =
  | { kind: 'lit'; text: string }
  /** A backslash and the character it escapes ('' for a line continuation). */
  | { kind: 'esc'; text: string }
  | { kind: 'sq'; text: string }
  /** $'...': `text` decoded, `raw` the body as written. */
  | { kind: 'ansi'; text: string; raw: string }
  /** "..." (and $"..." when `locale`). */
  | { kind: 'dq'; parts: WordPart[]; locale: boolean }
  /** $x, ${x}, ${x:-y}, ${!x}, ${#x}: `prefix` is '!' or '#' or '', `op` what follows the name. */
  | { kind: 'param'; name: string; prefix: string; op: string; raw: string }
  /** $(...) or `...` (`proc` for <(...) and >(...)), with the tokens inside. */
  | { kind: 'sub' | 'proc'; body: ShellToken[]; raw: string }
  | { kind: 'arith'; raw: string };

export interface WordToken {
  t: 'word';
  parts: WordPart[];
  raw: string;
}

/**
 * A word, an operator (`;`, `&&`, `|`, `(`, newline, ...) or a redirection (its
 * target is the next word). A here-document carries its body, and `expands` when
 * its delimiter was unquoted (the shell then runs the body's substitutions).
 */
export type ShellToken = WordToken | { t: 'op'; op: string } | { t: 'redir'; op: string; body?: string; expands?: boolean };

/** Nesting of $(...), `...` and <(...) read at most; deeper text is opaque. */
export const MAX_NEST = 16;
/** Tokens read at most per call. */
export const MAX_TOKENS = 200_000;

const OPS = [';;&', ';;', ';&', '&&', '||', '|&', ';', '&', '|'];
const REDIRS = ['&>>', '<<<', '<<-', '&>', '<<', '>>', '>&', '<&', '>|', '<>', '>', '<'];
const ANSI_SIMPLE: Record<string, string> = {
  a: '\x07',
  b: '\b',
  e: '\x1b',
  E: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '?': '?',
};

/**
 * Tokens of a command line.
 *
 * @example
 * tokenizeShell('a && b').map((t) => t.t) // ['word', 'op', 'word']
 */
export function tokenizeShell(src: string): ShellToken[] {
  return new Reader(src, { left: MAX_TOKENS }).tokens(0, false);
}

/**
 * The text a word stands for with quotes removed and escapes applied;
 * expansions stay as written (`$HOME` is `$HOME`).
 *
 * @example
 * cook(tokenizeShell("'a'\\b$'\\x63'$d")[0].parts) // 'abc$d'
 */
export function cook(parts: readonly WordPart[]): string {
  let s = '';
  for (const p of parts) {
    if (p.kind === 'dq') s += cook(p.parts);
    else if ('text' in p) s += p.text;
    else s += p.raw;
  }
  return s;
}

/**
 * The expansions the shell performs in a here-document body whose delimiter was
 * unquoted: as inside double quotes, without the quote.
 *
 * @example
 * heredocParts('Run `npm test`\n').some((p) => p.kind === 'sub') // true
 */
export function heredocParts(body: string): WordPart[] {
  return new Reader(body, { left: MAX_TOKENS }).dq(0, false);
}

/**
 * Decodes the body of $'...'.
 *
 * @example
 * decodeAnsiC('\\162\\x6d') // 'rm'
 */
export function decodeAnsiC(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c[\s\S]|[\s\S])/g, (_m, e: string) => {
    const h = e[0]!;
    if (h === 'x' && e.length > 1) return String.fromCharCode(parseInt(e.slice(1), 16));
    if ((h === 'u' || h === 'U') && e.length > 1) {
      const cp = parseInt(e.slice(1), 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
    }
    if (h === 'c' && e.length > 1) return String.fromCharCode(e.charCodeAt(1) & 0x1f);
    if (h >= '0' && h <= '7') return String.fromCharCode(parseInt(e, 8) & 0xff);
    return ANSI_SIMPLE[e] ?? `\\${e}`;
  });
}

class Reader {
  i = 0;
  constructor(
    readonly src: string,
    readonly budget: { left: number },
  ) {}

  /** Tokens to the end, or (inParen) up to and past an unbalanced `)`. */
  tokens(depth: number, inParen: boolean): ShellToken[] {
    const { src } = this;
    const out: ShellToken[] = [];
    const heredocs: Array<{ tok: { body?: string; expands?: boolean }; strip: boolean; delim: string | null }> = [];
    let parens = 0;
    let dbl = false;
    const push = (t: ShellToken): void => {
      out.push(t);
      this.budget.left--;
    };
    while (this.i < src.length && this.budget.left > 0) {
      const c = src[this.i]!;
      if (c === ' ' || c === '\t' || c === '\r') this.i++;
      else if (c === '\\' && src[this.i + 1] === '\n') this.i += 2;
      else if (c === '#') while (this.i < src.length && src[this.i] !== '\n') this.i++;
      else if (c === '\n') {
        this.i++;
        push({ t: 'op', op: '\n' });
        dbl = false;
        for (const h of heredocs.splice(0)) h.tok.body = this.heredoc(h.delim ?? '', h.strip);
      } else if (c === ')' && !dbl) {
        this.i++;
        if (inParen && parens === 0) return out;
        parens = Math.max(0, parens - 1);
        push({ t: 'op', op: ')' });
      } else if (c === '(' && !dbl) {
        const prev = out[out.length - 1];
        if (src[this.i + 1] === '(' && (prev === undefined || prev.t === 'op' || (prev.t === 'word' && prev.raw === 'for'))) {
          // An arithmetic command ((...)) runs nothing by name.
          this.i = skipBalanced(src, this.i);
          continue;
        }
        this.i++;
        parens++;
        push({ t: 'op', op: '(' });
      } else {
        const op = dbl ? undefined : OPS.find((o) => src.startsWith(o, this.i));
        const redir = dbl || src[this.i + 1] === '(' ? undefined : REDIRS.find((r) => src.startsWith(r, this.i));
        if (redir !== undefined) {
          this.i += redir.length;
          const tok: ShellToken = { t: 'redir', op: redir };
          push(tok);
          if (redir === '<<' || redir === '<<-') heredocs.push({ tok, strip: redir === '<<-', delim: null });
        } else if (op !== undefined) {
          this.i += op.length;
          push({ t: 'op', op });
        } else {
          const w = this.word(depth, dbl);
          if (w.raw === '') {
            this.i++;
            continue;
          }
          const h = heredocs[heredocs.length - 1];
          if (h !== undefined && h.delim === null) {
            h.delim = cook(w.parts);
            h.tok.expands = w.parts.every((p) => p.kind === 'lit');
          }
          // A file-descriptor number written against its redirection (2>) is not a word.
          if (/^\d+$/.test(w.raw) && (src[this.i] === '>' || src[this.i] === '<')) continue;
          if (w.raw === '[[') dbl = true;
          else if (w.raw === ']]') dbl = false;
          push(w);
        }
      }
    }
    for (const h of heredocs) h.tok.body = this.heredoc(h.delim ?? '', h.strip);
    return out;
  }

  private word(depth: number, dbl: boolean): WordToken {
    const { src } = this;
    const start = this.i;
    const out = new PartList();
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') break;
      if ((c === '<' || c === '>') && src[this.i + 1] === '(') {
        this.i += 2;
        const body = this.nested(depth);
        out.add({ kind: 'proc', body, raw: src.slice(start, this.i) });
      } else if (!dbl && ';&|()<>'.includes(c)) {
        // name=( array ) and extglob @( ... ) belong to the word.
        if (c === '(' && ((out.parts.length === 0 && /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(out.lit)) || /[@!+*?]$/.test(out.lit))) {
          const end = skipBalanced(src, this.i);
          out.lit += src.slice(this.i, end);
          this.i = end;
        } else break;
      } else if (c === '\\') {
        const d = src[this.i + 1];
        out.add({ kind: 'esc', text: d === undefined || d === '\n' ? '' : d });
        this.i += 2;
      } else if (c === "'") {
        const end = src.indexOf("'", this.i + 1);
        const e = end === -1 ? src.length : end;
        out.add({ kind: 'sq', text: src.slice(this.i + 1, e) });
        this.i = e + 1;
      } else if (c === '"') {
        this.i++;
        out.add({ kind: 'dq', parts: this.dq(depth), locale: false });
      } else if (c === '`') {
        out.add(this.backtick(depth));
      } else {
        const p = c === '$' ? this.dollar(depth, false) : null;
        if (p === null) {
          out.lit += c;
          this.i++;
        } else {
          out.add(p);
        }
      }
    }
    return { t: 'word', parts: out.end(), raw: src.slice(start, Math.min(this.i, src.length)) };
  }

  /** The parts of "..." up to its closing quote (or, for a here-document body, to the end). */
  dq(depth: number, closing = true): WordPart[] {
    const { src } = this;
    const out = new PartList();
    while (this.i < src.length) {
      const c = src[this.i]!;
      if (c === '"' && closing) {
        this.i++;
        break;
      }
      const p = c === '`' ? this.backtick(depth) : c === '$' ? this.dollar(depth, true) : null;
      if (p !== null) {
        out.add(p);
      } else if (c === '\\' && (closing ? '$`"\\\n' : '$`\\\n').includes(src[this.i + 1] ?? 'x')) {
        out.add({ kind: 'esc', text: src[this.i + 1] === '\n' ? '' : src[this.i + 1]! });
        this.i += 2;
      } else {
        out.lit += c;
        this.i++;
      }
    }
    return out.end();
  }

  /** The expansion at `$`, or null when this `$` is a plain character. */
  private dollar(depth: number, inDq: boolean): WordPart | null {
    const { src } = this;
    const start = this.i;
    const d = src[this.i + 1];
    if (d === "'" && !inDq) {
      let j = this.i + 2;
      while (j < src.length && src[j] !== "'") j += src[j] === '\\' ? 2 : 1;
      const raw = src.slice(this.i + 2, Math.min(j, src.length));
      this.i = j + 1;
      return { kind: 'ansi', text: decodeAnsiC(raw), raw };
    }
    if (d === '"' && !inDq) {
      this.i += 2;
      return { kind: 'dq', parts: this.dq(depth), locale: true };
    }
    if (d === '(' && src[this.i + 2] === '(') {
      this.i = skipBalanced(src, this.i + 1);
      return { kind: 'arith', raw: src.slice(start, this.i) };
    }
    if (d === '(') {
      this.i += 2;
      const body = this.nested(depth);
      return { kind: 'sub', body, raw: src.slice(start, this.i) };
    }
    if (d === '[' || d === '{') {
      const close = d === '[' ? ']' : '}';
      let j = this.i + 2;
      let level = 1;
      while (j < src.length && level > 0) {
        const ch = src[j]!;
        if (ch === '\\') j++;
        else if (ch === d) level++;
        else if (ch === close) level--;
        j++;
      }
      this.i = j;
      const raw = src.slice(start, j);
      if (d === '[') return { kind: 'arith', raw };
      const body = raw.slice(2, level === 0 ? -1 : undefined);
      const m = /^([!#]?)([A-Za-z_][A-Za-z0-9_]*|[@*#?$!-]|\d+)?/.exec(body)!;
      if (m[2] === undefined) return { kind: 'param', name: m[1] ?? '', prefix: '', op: body.slice(m[0].length), raw };
      return { kind: 'param', name: m[2], prefix: m[1] ?? '', op: body.slice(m[0].length), raw };
    }
    const m = /^(?:[A-Za-z_][A-Za-z0-9_]*|[@*#?$!0-9-])/.exec(src.slice(this.i + 1, this.i + 257));
    if (m === null) return null;
    this.i += 1 + m[0].length;
    return { kind: 'param', name: m[0], prefix: '', op: '', raw: src.slice(start, this.i) };
  }

  private backtick(depth: number): WordPart {
    const { src } = this;
    const start = this.i;
    let j = this.i + 1;
    while (j < src.length && src[j] !== '`') j += src[j] === '\\' ? 2 : 1;
    const inner = src.slice(this.i + 1, Math.min(j, src.length)).replace(/\\([`\\$])/g, '$1');
    this.i = Math.min(j + 1, src.length);
    const body = depth >= MAX_NEST ? [] : new Reader(inner, this.budget).tokens(depth + 1, false);
    return { kind: 'sub', body, raw: src.slice(start, this.i) };
  }

  /** The tokens of a $( ... ) or <( ... ) whose `(` was just read; past MAX_NEST, skipped unread. */
  private nested(depth: number): ShellToken[] {
    if (depth < MAX_NEST) return this.tokens(depth + 1, true);
    this.i = skipBalanced(this.src, this.i - 1);
    return [];
  }

  /** A here-document body from here to its delimiter line. */
  private heredoc(delim: string, strip: boolean): string {
    const { src } = this;
    const from = this.i;
    while (this.i < src.length) {
      const eol = src.indexOf('\n', this.i);
      const end = eol === -1 ? src.length : eol;
      const line = src.slice(this.i, end);
      this.i = eol === -1 ? src.length : eol + 1;
      if ((strip ? line.replace(/^\t+/, '') : line) === delim) return src.slice(from, end - line.length);
    }
    return src.slice(from);
  }
}

/** Index just past the parenthesised group opening at `open`, quotes and escapes respected. */
function skipBalanced(src: string, open: number): number {
  let level = 0;
  for (let j = open; j < src.length; j++) {
    const ch = src[j]!;
    if (ch === '\\') j++;
    else if (ch === "'" || ch === '"') {
      const end = src.indexOf(ch, j + 1);
      j = end === -1 ? src.length : end;
    } else if (ch === '(') level++;
    else if (ch === ')' && --level === 0) return j + 1;
  }
  return src.length;
}

/** A word's parts as they are read: plain characters gather in `lit` until another part (or the end) closes them into one. */
class PartList {
  readonly parts: WordPart[] = [];
  lit = '';

  /** Add a part that is not plain text, after the plain text read before it. */
  add(p: WordPart): void {
    this.end();
    this.parts.push(p);
  }

  /** The parts, the plain text at the end included. */
  end(): WordPart[] {
    if (this.lit !== '') this.parts.push({ kind: 'lit', text: this.lit });
    this.lit = '';
    return this.parts;
  }
}

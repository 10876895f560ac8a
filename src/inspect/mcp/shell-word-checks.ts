/**
 * How a word in command position was assembled, judged: each check is a way of
 * spelling a program name that has no honest use in an agent's command (r\m,
 * r''m, 'r'm, $'\162\155', {rm,}, $(echo rm), r${x}m, $CMD set from a literal
 * a moment before, $IFS games, fullwidth or invisible characters, /???/??t).
 *
 * Only the program name is judged strictly; the directory part of the word may
 * hold what honest paths hold ("$HOME"/bin/x, $(npm bin)/eslint, ${0%/*}/run.sh),
 * and the arguments are never looked at here.
 *
 * @example
 * wordTechniques(tokenizeShell('r\\m')[0], NO_CONTEXT) // ['backslash_escape']
 */
import { isPathLookup } from './shell-commands.js';
import type { WordPart, WordToken } from './shell-words.js';

/** The techniques, as named in findings (`shell_obfuscation:<technique>`). */
export const SHELL_TECHNIQUES = [
  'backslash_escape',
  'empty_quotes',
  'quote_splitting',
  'ansi_c_string',
  'brace_expansion',
  'command_substitution',
  'parameter_expansion',
  'variable_command',
  'ifs_manipulation',
  'unicode_compat',
  'invisible_char',
  'homoglyph',
  'glob_command',
  'caret_escape',
  'decode_to_shell',
] as const;
export type ShellTechnique = (typeof SHELL_TECHNIQUES)[number];

/** What the line said before this word. */
export interface WordContext {
  /** Variables set earlier in the line from literal text (or a substitution that is no path lookup). */
  literalVars: ReadonlySet<string>;
  /** IFS was assigned earlier in the line. */
  ifsChanged: boolean;
}

export const NO_CONTEXT: WordContext = { literalVars: new Set(), ifsChanged: false };

type Expansion = Extract<WordPart, { kind: 'param' | 'sub' | 'proc' | 'arith' }>;
type Unit = { ch: string; how: 'lit' | 'esc' | 'quoted'; seg: number } | { exp: Expansion; quoted: boolean; seg: number };
type CharUnit = Extract<Unit, { ch: string }>;

// Parameter operators that rewrite the value (substring, replace, case, trim, transform);
// defaults (:- - := = :? ? :+ +) are honest (${PYTHON:-python3}).
const TRANSFORM = /^(:(?![-=?+])|[/#%^,~@])/;
const SPECIAL = /^([@*#?$!-]|\d+)$/;

/**
 * The techniques used to spell this command word.
 *
 * @example
 * wordTechniques(tokenizeShell("w'h'oami")[0], NO_CONTEXT) // ['quote_splitting']
 */
export function wordTechniques(w: WordToken, ctx: WordContext): ShellTechnique[] {
  const found = new Set<ShellTechnique>();
  const u = units(w.parts);
  const isChar = (x: Unit | undefined): x is CharUnit => x !== undefined && 'ch' in x;
  const alnum = (x: Unit | undefined): boolean => isChar(x) && /^[A-Za-z0-9]$/.test(x.ch);
  let base = 0;
  u.forEach((x, i) => {
    if (isChar(x) && x.ch === '/') base = i + 1;
  });
  const name = u.slice(base);
  const plain = u.map((x) => (isChar(x) && x.how === 'lit' ? x.ch : '\0')).join('');

  if (
    !windowsPath(w.raw) &&
    u.some((x, i) => isChar(x) && x.how === 'esc' && i > 0 && i < u.length - (x.ch === '' ? 1 : 0) && (x.ch === '' || /[A-Za-z0-9_]/.test(x.ch)))
  ) {
    found.add('backslash_escape');
  }
  if (emptyQuoteInName(w.parts)) found.add('empty_quotes');
  if (splitsName(name)) found.add('quote_splitting');
  if (w.parts.some((p) => p.kind === 'ansi' || (p.kind === 'dq' && p.locale))) found.add('ansi_c_string');
  if (w.raw !== '{' && w.raw !== '}' && /\{[^{}]*(,|\.\.)[^{}]*\}/.test(plain)) found.add('brace_expansion');

  u.forEach((x, i) => {
    if (isChar(x)) return;
    const e = x.exp;
    if (ctx.ifsChanged && !x.quoted && (e.kind === 'param' || e.kind === 'sub')) found.add('ifs_manipulation');
    if (e.kind === 'sub' || e.kind === 'proc') {
      // $(npm bin)/eslint is a directory; "$(which node)" alone is a lookup.
      if (i >= base && !(u.length === 1 && e.kind === 'sub' && isPathLookup(e.body))) found.add('command_substitution');
      return;
    }
    if (e.kind !== 'param') return;
    if (e.name === 'IFS') found.add('ifs_manipulation');
    if (e.prefix !== '') found.add('parameter_expansion');
    if (i < base) return;
    if (SPECIAL.test(e.name) && u.length > 1) found.add('parameter_expansion');
    if (TRANSFORM.test(e.op.replace(/^\[[^\]]*\]/, '')) || (alnum(u[i - 1]) && alnum(u[i + 1]))) found.add('parameter_expansion');
    if (ctx.literalVars.has(e.name)) found.add('variable_command');
  });
  if (name.filter((x) => !isChar(x)).length >= 2 && !name.some(alnum)) found.add('parameter_expansion');

  const chars = u
    .filter(isChar)
    .map((x) => x.ch)
    .join('');
  if (/[\u0080-\u{10ffff}]/u.test(chars)) {
    for (const ch of chars) {
      const n = ch.normalize('NFKC');
      if (ch > '\x7f' && n !== ch && /[\x21-\x7e]/.test(n)) found.add('unicode_compat');
    }
    if (/\p{Cf}/u.test(chars)) found.add('invisible_char');
    for (const run of chars.match(/\p{L}+/gu) ?? [])
      if (/[A-Za-z]/.test(run) && /[\p{Script=Cyrillic}\p{Script=Greek}\p{Script=Armenian}]/u.test(run)) found.add('homoglyph');
  }
  if (u.length > 1 && w.raw !== '[[' && !/^\[[\w.]+\]::/.test(w.raw) && (/[*?]/.test(plain) || /\[[^\]]+\]/.test(plain))) found.add('glob_command');
  if (/[A-Za-z0-9]\^[A-Za-z0-9]/.test(plain)) found.add('caret_escape');
  return SHELL_TECHNIQUES.filter((t) => found.has(t));
}

/** The word as characters (with how each was written) and expansions, numbered by top-level part. */
function units(parts: readonly WordPart[]): Unit[] {
  const out: Unit[] = [];
  parts.forEach((p, seg) => {
    if (p.kind === 'lit') for (const ch of p.text) out.push({ ch, how: 'lit', seg });
    else if (p.kind === 'esc') out.push({ ch: p.text, how: 'esc', seg });
    else if (p.kind === 'sq' || p.kind === 'ansi') for (const ch of p.text) out.push({ ch, how: 'quoted', seg });
    else if (p.kind === 'dq') {
      for (const q of p.parts) {
        if (q.kind === 'lit' || q.kind === 'esc' || q.kind === 'sq' || q.kind === 'ansi') for (const ch of q.text) out.push({ ch, how: 'quoted', seg });
        else if (q.kind !== 'dq') out.push({ exp: q, quoted: true, seg });
      }
    } else out.push({ exp: p, quoted: false, seg });
  });
  return out;
}

/** A program name spread over several parts where no quoting was needed: 'r'm, w'h'oami, python"3" (not $env:X="y"). */
function splitsName(name: readonly Unit[]): boolean {
  const word = (x: Unit | undefined): boolean => x !== undefined && 'ch' in x && /^[A-Za-z0-9_]$/.test(x.ch);
  for (let i = 1; i < name.length; i++) {
    const a = name[i - 1]!;
    const b = name[i]!;
    if (a.seg !== b.seg && word(a) && word(b) && (('how' in a && a.how === 'quoted') || ('how' in b && b.how === 'quoted'))) return true;
  }
  return false;
}

/** An empty '' or "" (or $'') against a letter or digit of the word: r''m, ""rm. */
function emptyQuoteInName(parts: readonly WordPart[]): boolean {
  const edge = (p: WordPart | undefined, end: 'first' | 'last'): boolean => {
    const t =
      p === undefined
        ? ''
        : p.kind === 'dq'
          ? ((p.parts[end === 'first' ? 0 : p.parts.length - 1] as { text?: string } | undefined)?.text ?? '')
          : 'text' in p
            ? p.text
            : '';
    return /^[A-Za-z0-9_]$/.test((end === 'first' ? t[0] : t[t.length - 1]) ?? '');
  };
  return parts.some((p, i) => {
    const empty = ((p.kind === 'sq' || p.kind === 'ansi') && p.text === '') || (p.kind === 'dq' && p.parts.length === 0);
    return empty && (edge(parts[i - 1], 'last') || edge(parts[i + 1], 'first'));
  });
}

/**
 * A Windows path, where a backslash separates directories: C:\x, .\x, \\server\x,
 * x.exe, or at least two separators between names of three or more characters
 * (node_modules\.bin\tsc); r\m and cu\rl are not.
 */
function windowsPath(raw: string): boolean {
  if (/^(?:[A-Za-z]:\\|\.{1,2}\\|\\\\)/.test(raw) || /\.(?:exe|cmd|bat|com|ps1)$/i.test(raw)) return true;
  const segs = raw.split('\\');
  return segs.length >= 3 && segs.every((s) => s.length >= 3);
}

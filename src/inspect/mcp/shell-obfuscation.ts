/**
 * Obfuscated shell commands in MCP tool-call arguments: a program name spelled so
 * that a reader (or a pattern) does not see it, which no honest agent command
 * needs. The command line is read with its quoting kept (shell-words.ts); every
 * word in command position (after keywords, assignments and wrappers, inside
 * $(...), sh -c, eval, here-strings, a shell's here-document, find -exec) is
 * judged by shell-word-checks.ts, and so are the substitutions of a here-document
 * with an unquoted delimiter. Decoded text piped into a shell
 * (`... | base64 -d | sh`, `eval "$(xxd -r ...)"`) is flagged too.
 *
 * Which arguments: the command-line keys chain detection reads (command, cmd,
 * script, commands, ...: chain-classify.ts) and `shell`, with an argv array
 * (args, argv) appended quoted; when the tool's name says it runs commands and
 * no such key exists, `args`, `arguments`, `argv` and `input`.
 *
 * Findings name the technique and the argument key, never the value. A command
 * longer than MAX_ANALYSED is read up to there, and a `warn` finding says so.
 *
 * @example
 * scanShellArgs({ command: 'r\\m -rf /var/data' }, 'exec')
 * // [{ type: 'shell_obfuscation:backslash_escape', location: 'mcp.args:command', action: 'block', detail: 'backslash_escape in the command word' }]
 */
import type { Finding } from '../finding.js';
import { ARGV_KEYS, COMMAND_KEYS, EXEC, MAX_ANALYSED, nameWords } from './chain-classify.js';
import { programName, SHELLS } from './chain-shell.js';
import { assignment, commandHead, hasDecoder, isDecoder, isPathLookup, programAt, splitCommands, subBodies } from './shell-commands.js';
import type { Assignment, SimpleCommand } from './shell-commands.js';
import { SHELL_TECHNIQUES, wordTechniques } from './shell-word-checks.js';
import type { ShellTechnique } from './shell-word-checks.js';
import { cook, heredocParts, tokenizeShell } from './shell-words.js';
import type { ShellToken, WordPart, WordToken } from './shell-words.js';

export type { ShellTechnique } from './shell-word-checks.js';
export { SHELL_TECHNIQUES } from './shell-word-checks.js';

/** Shell code read inside shell code (sh -c, eval, here-strings) at most this deep. */
const MAX_DEPTH = 4;
const MAX_KEYS = 256;
const ASSIGNING = new Set(['export', 'declare', 'local', 'readonly', 'typeset']);
const ITEM_END = new Set([';;', ';&', ';;&']);
const CODE_FLAG = /^-[a-zA-Z]*c[a-zA-Z]*$/;
const NUMERIC_ESCAPE = /\\(x[0-9a-fA-F]|[0-7]|u[0-9a-fA-F]|U[0-9a-fA-F]|c.)/;

/** What the earlier stages of a pipeline feed the next: decoded text, or literal text an echo printed. */
interface Piped {
  decoded: boolean;
  text: string | null;
}
const NOTHING: Piped = { decoded: false, text: null };

interface Scan {
  found: Set<ShellTechnique>;
  literalVars: Set<string>;
  ifsChanged: boolean;
  depth: number;
}

/**
 * Findings for obfuscated commands in a tool call's arguments. `tool` (the tool
 * name) widens the keys read when it says the tool runs commands.
 *
 * @example
 * scanShellArgs({ command: 'ls -la /home/user/projects' }, 'exec') // []
 */
export function scanShellArgs(args: Record<string, unknown>, tool = ''): Finding[] {
  const entries = Object.entries(args)
    .slice(0, MAX_KEYS)
    .map(([key, v]) => ({ key, k: key.toLowerCase().replace(/[^a-z0-9]/g, ''), v }));
  const hasCommand = entries.some((e) => COMMAND_KEYS.has(e.k));
  const shellTool = nameWords(tool).some((w) => EXEC.has(w));
  const argv = entries.find((e) => ARGV_KEYS.has(e.k))?.v;
  const findings: Finding[] = [];
  for (const { key, k, v } of entries) {
    const isCommand = COMMAND_KEYS.has(k) || k === 'shell';
    if (!isCommand && !(shellTool && !hasCommand && (ARGV_KEYS.has(k) || k === 'input'))) continue;
    const text = commandLine(k, v, isCommand ? argv : undefined);
    if (text === undefined) continue;
    // Keys come from fixed lists, but a key written with odd characters is named by its list entry.
    const where = /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? key : k;
    for (const t of shellObfuscations(text)) {
      findings.push({
        type: `shell_obfuscation:${t}`,
        location: `mcp.args:${where}`,
        action: 'block',
        detail: t === 'decode_to_shell' ? 'decode_to_shell: decoded text is run as shell code' : `${t} in the command word`,
      });
    }
    if (text.length > MAX_ANALYSED) {
      findings.push({
        type: 'shell_obfuscation:not_analysed',
        location: `mcp.args:${where}`,
        action: 'warn',
        detail: `command longer than ${MAX_ANALYSED / 1024} KiB; only its start was read`,
      });
    }
  }
  return findings;
}

/**
 * The obfuscation techniques in one command line (its first MAX_ANALYSED characters).
 *
 * @example
 * shellObfuscations("IFS=,;CMD=r,m;$CMD -rf /data") // ['variable_command', 'ifs_manipulation']
 */
export function shellObfuscations(command: string): ShellTechnique[] {
  const s: Scan = { found: new Set(), literalVars: new Set(), ifsChanged: false, depth: 0 };
  scanTokens(tokenizeShell(command.slice(0, MAX_ANALYSED)), s);
  return SHELL_TECHNIQUES.filter((t) => s.found.has(t));
}

/** The command line an argument holds: a string, or an array (argv quoted; `commands` one per line), with argv appended. */
function commandLine(k: string, v: unknown, argv: unknown): string | undefined {
  const strings = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  let text: string;
  if (typeof v === 'string') text = v;
  else if (Array.isArray(v)) text = k === 'commands' ? strings(v).join('\n') : strings(v).map(quote).join(' ');
  else return undefined;
  if (argv !== undefined && argv !== v && strings(argv).length > 0) text += ` ${strings(argv).map(quote).join(' ')}`;
  return text;
}

function scanTokens(tokens: readonly ShellToken[], s: Scan): void {
  const cases: Array<'pattern' | 'body'> = [];
  let piped = NOTHING;
  let skipList = false;
  for (const cmd of splitCommands(tokens)) {
    // Every substitution is a command line of its own, wherever it stands.
    for (const w of [...cmd.words, ...cmd.redirs.flatMap((r) => (r.target === undefined ? [] : [r.target]))]) {
      for (const body of subBodies(w.parts)) scanTokens(body, s);
    }
    // The shell runs the substitutions of a here-document whose delimiter is unquoted.
    for (const r of cmd.redirs) if (r.body !== undefined && r.expands) for (const body of subBodies(heredocParts(r.body))) scanTokens(body, s);
    if (cmd.before !== '|' && cmd.before !== '|&') piped = NOTHING;
    if (skipList) {
      // cmd.exe's `for %f in (*.txt) do ...`: the list in parentheses runs nothing.
      if (cmd.after === ')') skipList = false;
    } else if (cases[cases.length - 1] === 'pattern') {
      if (cmd.words[0]?.raw === 'esac') cases.pop();
      else if (cmd.after === ')') cases[cases.length - 1] = 'body';
    } else {
      const head = commandHead(cmd.words);
      if (cases.length > 0 && cmd.words.slice(0, head.from).some((w) => w.raw === 'esac')) cases.pop();
      if (head.keyword === 'case') cases.push(cmd.after === ')' ? 'body' : 'pattern');
      else if (head.keyword === 'for' && cmd.after === '(') skipList = true;
      else if (head.keyword === null) {
        for (const a of head.assigns) assign(a, s);
        const words = cmd.words.slice(head.from);
        if (words.length > 0 && cmd.after !== '()') piped = command(words, cmd, s, piped);
      }
    }
    if (ITEM_END.has(cmd.after) && cases[cases.length - 1] === 'body') cases[cases.length - 1] = 'pattern';
  }
}

/** Judges one command's command word(s) and follows the code it runs; returns what it feeds a pipe. */
function command(words: readonly WordToken[], cmd: SimpleCommand, s: Scan, piped: Piped): Piped {
  const ctx = { literalVars: s.literalVars, ifsChanged: s.ifsChanged };
  for (const t of wordTechniques(words[0]!, ctx)) s.found.add(t);
  const p = programAt(words);
  if (p === undefined) return NOTHING;
  for (const w of words.slice(1, p.at)) {
    const a = assignment(w);
    if (a !== null) assign(a, s);
  }
  if (p.at > 0) for (const t of wordTechniques(words[p.at]!, ctx)) s.found.add(t);
  const args = words.slice(p.at + 1);
  const cooked = args.map((w) => cook(w.parts));
  if (ASSIGNING.has(p.name)) {
    for (const w of args) {
      const a = assignment(w);
      if (a !== null) assign(a, s);
    }
  }
  if (SHELLS.has(p.name)) shell(args, cooked, cmd, s, piped);
  else if (p.name === 'eval') {
    if (args.length === 1) code(args[0]!, s);
    else {
      for (const w of args) codeChecks(w, s);
      scanCode(cooked.join(' '), s);
    }
  } else if ((p.name === 'source' || p.name === '.') && args.some(decodes)) s.found.add('decode_to_shell');
  if (p.name === 'find') {
    for (let i = 0; i < args.length; i++) {
      if (!/^-(exec|execdir|ok|okdir)$/.test(cooked[i]!)) continue;
      let j = i + 1;
      while (j < args.length && cooked[j] !== ';' && cooked[j] !== '+') j++;
      if (j > i + 1) command(args.slice(i + 1, j), { words: args.slice(i + 1, j), redirs: [], before: '', after: '' }, s, NOTHING);
      i = j;
    }
  }
  // A shell started further along: docker exec app sh -c '...', ssh host bash -c '...'.
  for (let i = 0; i + 2 < args.length; i++) if (SHELLS.has(programName(cooked[i]!)) && CODE_FLAG.test(cooked[i + 1]!)) code(args[i + 2]!, s);
  if (piped.decoded || isDecoder(p.name, cooked)) return { decoded: true, text: null };
  // echo 'code' | sh: the echoed text is the script.
  if (p.name === 'echo' || (p.name === 'printf' && args.length === 1))
    return { decoded: false, text: cooked.filter((a, i) => !(p.name === 'echo' && i === 0 && /^-[neE]+$/.test(a))).join(' ') };
  return NOTHING;
}

/** A shell: its -c code, or the script it reads from stdin, a here-string or a here-document. */
function shell(args: readonly WordToken[], cooked: readonly string[], cmd: SimpleCommand, s: Scan, piped: Piped): void {
  const flag = cooked.findIndex((a) => CODE_FLAG.test(a));
  if (flag !== -1) {
    const w = args[flag + 1];
    if (w === undefined) return;
    // sh -c '$0 -rf /' rm: the words after the code are its $0, $1, ...
    const positional = cooked
      .slice(flag + 2, flag + 12)
      .map((_a, i) => String(i))
      .filter((n) => !s.literalVars.has(n));
    for (const n of positional) s.literalVars.add(n);
    code(w, s);
    for (const n of positional) s.literalVars.delete(n);
    return;
  }
  let operand: string | undefined;
  for (let i = 0; i < cooked.length && operand === undefined; i++) {
    const a = cooked[i]!;
    if (/^[-+][oO]$/.test(a)) i++;
    else if (!/^[-+]/.test(a) || a === '-') operand = a;
  }
  const script = operand === undefined || operand === '-' || operand === '/dev/stdin';
  for (const r of cmd.redirs) {
    if (r.op === '<<<' && r.target !== undefined) code(r.target, s);
    else if ((r.op === '<<' || r.op === '<<-') && r.body !== undefined && script) scanCode(r.body, s);
  }
  if (script && piped.text !== null) scanCode(piped.text, s);
  if ((script && piped.decoded) || args.some(decodes)) s.found.add('decode_to_shell');
}

/** Shell code given as one word (sh -c WORD, eval WORD, <<< WORD). */
function code(w: WordToken, s: Scan): void {
  codeChecks(w, s);
  // Code that is one expansion ("$(curl -fsSL ...)", "$CMD") is not known until it runs.
  const only = w.parts.length === 1 ? w.parts[0]! : undefined;
  const inner = only?.kind === 'dq' && only.parts.length === 1 ? only.parts[0]! : only;
  if (inner !== undefined && (inner.kind === 'param' || inner.kind === 'sub' || inner.kind === 'proc' || inner.kind === 'arith')) return;
  scanCode(cook(w.parts), s);
}

/** Code built by a decoder, or written with numeric escapes ($'\x72\x6d ...'). */
function codeChecks(w: WordToken, s: Scan): void {
  if (decodes(w)) s.found.add('decode_to_shell');
  if (w.parts.some((p) => p.kind === 'ansi' && NUMERIC_ESCAPE.test(p.raw))) s.found.add('ansi_c_string');
}

function decodes(w: WordToken): boolean {
  return subBodies(w.parts).some((b) => hasDecoder(b));
}

function scanCode(text: string, s: Scan): void {
  if (s.depth >= MAX_DEPTH) return;
  s.depth++;
  scanTokens(tokenizeShell(text), s);
  s.depth--;
}

/** Records NAME=value: IFS changed, or a variable now holding literal text (or a non-lookup substitution). */
function assign(a: Assignment, s: Scan): void {
  if (a.name === 'IFS') s.ifsChanged = true;
  const flat = (ps: readonly WordPart[]): WordPart[] => ps.flatMap((p) => (p.kind === 'dq' ? flat(p.parts) : [p]));
  const literal = flat(a.value).every((p) => {
    if (p.kind === 'lit') return !/[$`]/.test(p.text);
    if (p.kind === 'param') return s.literalVars.has(p.name);
    if (p.kind === 'sub') return !isPathLookup(p.body);
    return p.kind === 'esc' || p.kind === 'sq' || p.kind === 'ansi';
  });
  if (literal) s.literalVars.add(a.name);
  else s.literalVars.delete(a.name);
}

/**
 * Simple commands from shell tokens (shell-words.ts), and what decides the
 * command position in each: leading keywords (if, then, do, !, {, ...),
 * assignments (NAME=value), wrappers (sudo, env, nohup, xargs, ...: the list of
 * chain-shell.ts). Also the two program classes the obfuscation scan needs: path
 * lookups (`$(which node)` names a program honestly) and decoders (base64 -d,
 * xxd -r, rev, ...: their output piped into a shell is hidden code).
 *
 * @example
 * const [cmd] = splitCommands(tokenizeShell('sudo X=1 rm -rf /tmp/x'));
 * commandHead(cmd.words) // { keyword: null, assigns: [], from: 0 }
 * programAt(cmd.words.slice(0)) // { at: 2, name: 'rm' }
 */
import { programName, skipWrappers } from './chain-shell.js';
import { cook } from './shell-words.js';
import type { ShellToken, WordPart, WordToken } from './shell-words.js';

/** One simple command and the operators around it. */
export interface SimpleCommand {
  words: WordToken[];
  redirs: Array<{ op: string; target: WordToken | undefined; body: string | undefined; expands: boolean }>;
  /** The operator before it ('' at the start) and after it ('' at the end); '()' for a function definition. */
  before: string;
  after: string;
}

/** An assignment word, NAME=value. */
export interface Assignment {
  name: string;
  value: WordPart[];
}

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', '{', '}', 'esac', 'coproc']);
/** Keywords after which the rest of the simple command names no program. */
const HEADERS = new Set(['for', 'select', 'function', 'case']);
const PATH_LOOKUPS = new Set([
  'which',
  'command',
  'type',
  'whereis',
  'realpath',
  'readlink',
  'dirname',
  'pwd',
  'npm',
  'yarn',
  'pnpm',
  'brew',
  'xcrun',
  'rustup',
  'pyenv',
  'rbenv',
  'asdf',
  'mise',
  'go',
  'git',
]);
const ASSIGN = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;

/**
 * Splits tokens into simple commands at operators; empty commands are kept (a
 * `case` body `*) ;;` is one), and `name ( )` is marked as a function definition.
 *
 * @example
 * splitCommands(tokenizeShell('a | b')).map((c) => c.before) // ['', '|']
 */
export function splitCommands(tokens: readonly ShellToken[]): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  let cur: SimpleCommand = { words: [], redirs: [], before: '', after: '' };
  const end = (op: string): void => {
    cur.after = op;
    out.push(cur);
    cur = { words: [], redirs: [], before: op, after: '' };
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.t === 'word') cur.words.push(t);
    else if (t.t === 'redir') {
      const next = tokens[i + 1];
      const target = next?.t === 'word' ? next : undefined;
      if (target !== undefined) i++;
      cur.redirs.push({ op: t.op, target, body: t.body, expands: t.expands === true });
    } else {
      const next = tokens[i + 1];
      if (t.op === '(' && cur.words.length === 1 && next?.t === 'op' && next.op === ')') {
        i++;
        end('()');
      } else end(t.op);
    }
  }
  out.push(cur);
  return out;
}

/**
 * Where the command position starts: past keywords and assignments. `keyword`
 * is set when a header keyword (for, select, function, case) makes the rest no
 * command at all.
 *
 * @example
 * commandHead(splitCommands(tokenizeShell('if X=1 make'))[0].words) // { keyword: null, assigns: [{ name: 'X', ... }], from: 2 }
 */
export function commandHead(words: readonly WordToken[]): { keyword: string | null; assigns: Assignment[]; from: number } {
  const assigns: Assignment[] = [];
  let i = 0;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (HEADERS.has(w.raw)) return { keyword: w.raw, assigns, from: i + 1 };
    if (assigns.length === 0 && KEYWORDS.has(w.raw)) continue;
    const a = assignment(w);
    if (a === null) break;
    assigns.push(a);
  }
  return { keyword: null, assigns, from: i };
}

/**
 * NAME=value, or null: the name must be written plainly (a quoted name is a command word).
 *
 * @example
 * assignment(tokenizeShell('IFS=,')[0]).name // 'IFS'
 */
export function assignment(w: WordToken): Assignment | null {
  const first = w.parts[0];
  if (first?.kind !== 'lit') return null;
  const m = ASSIGN.exec(first.text);
  if (m === null) return null;
  const rest = first.text.slice(m[0].length);
  return { name: m[1]!, value: [...(rest === '' ? [] : [{ kind: 'lit' as const, text: rest }]), ...w.parts.slice(1)] };
}

/**
 * The index (in `words`) of the word that names the program, past wrappers, and
 * that program's name; undefined when there is none.
 *
 * @example
 * programAt(splitCommands(tokenizeShell('nohup node app.js'))[0].words) // { at: 1, name: 'node' }
 */
export function programAt(words: readonly WordToken[]): { at: number; name: string } | undefined {
  const cooked = words.map((w) => cook(w.parts));
  const { at } = skipWrappers(cooked);
  const w = cooked[at];
  return w === undefined ? undefined : { at, name: programName(w) };
}

/**
 * Whether a substitution's body is a program lookup (`which node`, `command -v x`,
 * `npm bin`), which names a program honestly.
 *
 * @example
 * isPathLookup(tokenizeShell('which python3')) // true
 */
export function isPathLookup(body: readonly ShellToken[]): boolean {
  const first = splitCommands(body).find((c) => c.words.length > 0);
  if (first === undefined) return false;
  const p = programAt(first.words.slice(commandHead(first.words).from));
  return p !== undefined && PATH_LOOKUPS.has(p.name);
}

/**
 * Whether a program with these (cooked) arguments decodes hidden text: base64 -d,
 * base32/basenc -d, xxd -r, openssl ... -d, uudecode, rev, rot13 through tr,
 * printf or echo -e with numeric escapes.
 *
 * @example
 * isDecoder('base64', ['-d']) // true
 */
export function isDecoder(name: string, args: readonly string[]): boolean {
  const has = (re: RegExp): boolean => args.some((a) => re.test(a));
  switch (name) {
    case 'base64':
    case 'base32':
    case 'basenc':
    case 'gbase64':
      return has(/^(--decode|-[a-zA-Z]*[dD][a-zA-Z]*)$/);
    case 'xxd':
      return has(/^-[a-zA-Z]*r/);
    case 'openssl':
      return has(/^-d$/);
    case 'uudecode':
    case 'rev':
      return true;
    case 'tr':
      return has(/[nN]-[zZ]/) && has(/[aA]-[mM]/);
    case 'printf':
      return has(/\\(x[0-9a-fA-F]|[0-7]{2,3}|u[0-9a-fA-F])/);
    case 'echo':
      return has(/^-[a-zA-Z]*e/) && has(/\\(x[0-9a-fA-F]|0[0-7]{1,3}|u[0-9a-fA-F])/);
    default:
      return false;
  }
}

/**
 * Whether any command in these tokens (substitutions included) is a decoder.
 *
 * @example
 * hasDecoder(tokenizeShell('echo cm0= | base64 -d')) // true
 */
export function hasDecoder(tokens: readonly ShellToken[], depth = 0): boolean {
  for (const cmd of splitCommands(tokens)) {
    const words = cmd.words.slice(commandHead(cmd.words).from);
    const p = programAt(words);
    if (
      p !== undefined &&
      isDecoder(
        p.name,
        words.slice(p.at + 1).map((w) => cook(w.parts)),
      )
    )
      return true;
    if (depth < 4 && cmd.words.some((w) => subBodies(w.parts).some((b) => hasDecoder(b, depth + 1)))) return true;
  }
  return false;
}

/**
 * The token lists of the substitutions ($(...), `...`, <(...)) directly inside a word.
 *
 * @example
 * subBodies(tokenizeShell('"$(date)"')[0].parts).length // 1
 */
export function subBodies(parts: readonly WordPart[]): ShellToken[][] {
  const out: ShellToken[][] = [];
  for (const p of parts) {
    if (p.kind === 'sub' || p.kind === 'proc') out.push(p.body);
    else if (p.kind === 'dq') out.push(...subBodies(p.parts));
  }
  return out;
}

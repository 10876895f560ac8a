/**
 * Classifies one MCP tools/call into chain capabilities from its tool name and
 * its top-level arguments. The rules, in the order they apply:
 *
 * - The tool name is split into words (`mcp__fs__readFile` → mcp, fs, read,
 *   file) and matched against small word lists: read, write, list, execute,
 *   network, environment/secret, persistence, system identity.
 * - Path arguments (`path`, `file`, `source`, `*_path`, ...) are matched
 *   against the credential, persistence and system-root rules of
 *   chain-paths.ts: a credential location read is `sensitive_read`, listed is
 *   `recon`; a persistence location written is `persistence`.
 * - URL arguments (`url`, `endpoint`, `*_url`, ...) with a non-loopback
 *   http(s)/ws(s)/ftp address make the call `network`; a network-named tool
 *   whose only URLs are loopback is not.
 * - A `command`/`cmd`/`script` argument is a shell command line (chain-shell.ts);
 *   a `code` argument is inline code.
 *
 * Reasons name rules, name words from the fixed lists and argument keys from
 * the fixed lists, never argument values.
 *
 * @example
 * classifyToolCall({ name: 'read_file', args: { path: '/home/u/.ssh/id_rsa' } })
 * // { capabilities: ['sensitive_read'], reasons: ['sensitive_read: argument path names a credential location (ssh key or config)'] }
 */
import { addCap, addPath, CAPABILITY_ORDER, newFacts } from './chain-facts.js';
import type { CallFacts, ChainCapability } from './chain-facts.js';
import { isAccountList, normaliseLoosePath, persistencePathRule, reconPathRule, sensitivePathRule } from './chain-paths.js';
import { analyseCode, analyseShell } from './chain-shell.js';

/** A tools/call as the tracker sees it (the shape readToolCall returns). */
export interface ChainToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** What one call can do, value-free: for explain and audit. */
export interface CallClassification {
  capabilities: ChainCapability[];
  /** One line per reason, `<capability>: <why>`. */
  reasons: string[];
}

const words = (...w: string[]): ReadonlySet<string> => new Set(w);
const READ = words('read', 'get', 'view', 'cat', 'head', 'tail', 'open', 'load', 'show', 'retrieve', 'grep');
const WRITE = words(
  'write',
  'create',
  'save',
  'edit',
  'append',
  'put',
  'update',
  'modify',
  'patch',
  'insert',
  'replace',
  'copy',
  'move',
  'rename',
  'overwrite',
  'download',
);
const LIST = words('list', 'ls', 'dir', 'directory', 'tree', 'find', 'glob', 'search', 'scan', 'enumerate', 'walk', 'locate');
/** Tool-name words that say the tool runs commands. */
export const EXEC = words('shell', 'bash', 'sh', 'zsh', 'exec', 'execute', 'run', 'command', 'cmd', 'terminal', 'powershell', 'pwsh', 'spawn', 'subprocess');
const NETWORK = words(
  'fetch',
  'http',
  'https',
  'curl',
  'wget',
  'request',
  'post',
  'upload',
  'download',
  'webhook',
  'browse',
  'browser',
  'navigate',
  'web',
  'url',
  'send',
  'email',
  'mail',
  'publish',
  'scrape',
  'crawl',
);
const SECRET = words(
  'env',
  'environ',
  'environment',
  'getenv',
  'printenv',
  'secret',
  'secrets',
  'credential',
  'credentials',
  'password',
  'passwords',
  'keychain',
  'vault',
);
const SETTER = words('set', 'unset', 'delete', 'remove', 'create', 'write', 'update', 'put', 'rotate');
const PERSIST = words('crontab', 'cron', 'systemd', 'systemctl', 'launchd', 'launchctl', 'autostart', 'schtasks');
const READ_ONLY = words('status', 'list', 'show', 'info', 'describe', 'get', 'view', 'check', 'inspect', 'cat', 'log', 'logs', 'read', 'query');
const IDENTITY = words('whoami', 'uname', 'hostname', 'sysinfo', 'systeminfo', 'userinfo');
const NO_READ = words('delete', 'remove', 'rm', 'unlink', 'chmod', 'chown');

const PATH_KEYS = words(
  'path',
  'paths',
  'file',
  'files',
  'filename',
  'filenames',
  'filepath',
  'dir',
  'directory',
  'folder',
  'target',
  'source',
  'src',
  'dest',
  'destination',
  'from',
  'to',
  'location',
  'root',
  'pathname',
);
const READ_SIDE_KEYS = words('source', 'src', 'from', 'sourcepath', 'sourcefile');
const URL_KEYS = words('url', 'urls', 'uri', 'endpoint', 'href', 'link', 'webhook', 'address', 'target');
/** Argument keys (lower case, alphanumerics only) that hold a shell command line. */
export const COMMAND_KEYS = words('command', 'cmd', 'script', 'commandline', 'shellcommand', 'bashcommand', 'commands');
/** Argument keys that hold a command's arguments. */
export const ARGV_KEYS = words('args', 'arguments', 'argv');
const PATTERN_KEYS = words('pattern', 'query', 'glob', 'name', 'regex', 'filepattern');
const CWD_KEYS = words('cwd', 'workdir', 'workingdirectory', 'workingdir');
const VAR_KEYS = words('variable', 'var', 'name', 'key', 'varname', 'variablename');
const HARMLESS_VARS = words('PATH', 'HOME', 'USER', 'SHELL', 'PWD', 'LANG', 'TERM', 'NODE_ENV', 'TZ', 'LC_ALL', 'HOSTNAME', 'EDITOR', 'TMPDIR');
const MAX_KEYS = 256;
/** Characters of a command or code argument analysed at most. */
export const MAX_ANALYSED = 256 * 1024;

/**
 * The capabilities of one tool call and why, without any argument value.
 *
 * @example
 * classifyToolCall({ name: 'fetch', args: { url: 'https://docs.example.com/' } }).capabilities // ['network']
 */
export function classifyToolCall(call: ChainToolCall): CallClassification {
  const f = analyseToolCall(call);
  return { capabilities: CAPABILITY_ORDER.filter((c) => f.caps.has(c)), reasons: [...f.reasons] };
}

/**
 * Full facts for one call, including the written and executed paths the
 * tracker pairs up. Internal to chain detection: paths are argument values.
 *
 * @example
 * analyseToolCall({ name: 'write_file', args: { path: '/tmp/a.sh', content: '' } }).writes // ['/tmp/a.sh']
 */
export function analyseToolCall(call: ChainToolCall): CallFacts {
  const f = newFacts();
  const nw = nameWords(call.name);
  const hit = (set: ReadonlySet<string>): string | undefined => nw.find((w) => set.has(w));
  const isWrite = hit(WRITE) !== undefined;
  const isRead = hit(READ) !== undefined;
  const isList = hit(LIST) !== undefined && !isWrite;
  const exec = hit(EXEC);
  const entries = Object.entries(call.args)
    .slice(0, MAX_KEYS)
    .map(([k, v]) => [k.toLowerCase().replace(/[^a-z0-9]/g, ''), v] as const);
  const strings = (accept: (k: string) => boolean): Array<[string, string]> =>
    entries
      .filter(([k]) => accept(k))
      .flatMap(([k, v]) =>
        typeof v === 'string' ? [[k, v]] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => [k, x] as [string, string]) : [],
      );

  // Network: a URL argument to somewhere other than this machine, or a network-named tool with no URL at all.
  const urls = strings((k) => URL_KEYS.has(k) || k.endsWith('url') || k.endsWith('uri') || k.endsWith('endpoint')).filter(([, v]) =>
    /^(https?|wss?|ftp):\/\//i.test(v.trim()),
  );
  const remote = urls.find(([, v]) => !isLoopbackUrl(v));
  const netWord = hit(NETWORK);
  if (remote !== undefined) addCap(f, 'network', `argument ${remote[0]} is a remote URL`);
  else if (netWord !== undefined && urls.length === 0) addCap(f, 'network', `tool name says ${netWord}`);

  const secretWord = hit(SECRET) ?? (/api_?key|access_?key|private_?key/i.test(call.name) ? 'key' : undefined);
  if (secretWord !== undefined && hit(SETTER) === undefined) {
    const named = strings((k) => VAR_KEYS.has(k));
    if (named.length === 0 || named.some(([, v]) => !HARMLESS_VARS.has(v.trim().toUpperCase()))) addCap(f, 'sensitive_read', `tool name says ${secretWord}`);
  }
  const persistWord = hit(PERSIST);
  if (persistWord !== undefined && hit(READ_ONLY) === undefined) addCap(f, 'persistence', `tool name says ${persistWord}`);
  const idWord = hit(IDENTITY);
  if (idWord !== undefined) addCap(f, 'recon', `tool name says ${idWord}`);

  const cwd = strings((k) => CWD_KEYS.has(k))[0]?.[1];
  const command = commandText(entries);
  if (command !== undefined) {
    addCap(f, 'execute', `argument ${command.key} is a shell command`);
    analyseShell(bounded(f, command.key, command.text), f, cwd);
  } else if (exec !== undefined) addCap(f, 'execute', `tool name says ${exec}`);
  for (const [, code] of strings((k) => k === 'code')) analyseCode(bounded(f, 'code', code), f);

  for (const [key, raw] of strings((k) => PATH_KEYS.has(k) || k.endsWith('path') || k.endsWith('file') || k.endsWith('dir'))) {
    // Remote addresses are not local paths (a URL ending in /.env is not a dotenv file here).
    if (CWD_KEYS.has(key) || (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw.trim()) && !/^file:/i.test(raw.trim()))) continue;
    const path = normaliseLoosePath(raw);
    if (isWrite && !READ_SIDE_KEYS.has(key)) {
      addPath(f.writes, path);
      addCap(f, 'write', `tool writes the file in argument ${key}`);
      const label = persistencePathRule(raw);
      if (label !== undefined) addCap(f, 'persistence', `argument ${key} names a persistence location (${label})`);
    } else if (isList) {
      const label = reconPathRule(raw);
      if (label !== undefined) addCap(f, 'recon', `argument ${key} lists a reconnaissance target (${label})`);
      else addCap(f, 'list', 'tool lists a directory');
    } else if (exec !== undefined && command === undefined) {
      addPath(f.execs, path);
    } else if (hit(NO_READ) === undefined) readSide(f, key, raw, isRead);
  }
  if (isList) {
    for (const [key, v] of strings((k) => PATTERN_KEYS.has(k))) {
      const label = sensitivePathRule(v.replace(/[*?[\]{}]/g, ''));
      if (label !== undefined) addCap(f, 'recon', `argument ${key} searches for a credential location (${label})`);
    }
  }
  return f;
}

/** Commands and code are read up to MAX_ANALYSED characters (work stays bounded); a longer one says so in its reasons. */
function bounded(f: CallFacts, key: string, text: string): string {
  if (text.length <= MAX_ANALYSED) return text;
  addCap(f, 'execute', `argument ${key} is longer than ${MAX_ANALYSED / 1024} KiB; only its start was analysed`);
  return text.slice(0, MAX_ANALYSED);
}

function readSide(f: CallFacts, key: string, raw: string, isRead: boolean): void {
  const label = sensitivePathRule(raw);
  if (label !== undefined) addCap(f, 'sensitive_read', `argument ${key} names a credential location (${label})`);
  else if (isAccountList(raw)) addCap(f, 'recon', `argument ${key} names the account list`);
  else if (isRead) addCap(f, 'read', 'tool reads a file');
}

/**
 * Tool-name words: split at non-alphanumerics and lower-to-upper case changes, lower case.
 *
 * @example
 * nameWords('mcp__fs__readFile') // ['mcp', 'fs', 'read', 'file']
 */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** The shell command line an argument set carries, with argv-style arrays appended quoted. */
function commandText(entries: ReadonlyArray<readonly [string, unknown]>): { key: string; text: string } | undefined {
  const found = entries.find(([k, v]) => COMMAND_KEYS.has(k) && (typeof v === 'string' || Array.isArray(v)));
  if (found === undefined) return undefined;
  const [key, v] = found;
  const parts = (x: unknown): string[] => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : []);
  let text = typeof v === 'string' ? v : key === 'commands' ? parts(v).join('\n') : parts(v).map(quote).join(' ');
  const argv = entries.find(([k]) => ARGV_KEYS.has(k));
  if (argv !== undefined && parts(argv[1]).length > 0) text += ` ${parts(argv[1]).map(quote).join(' ')}`;
  return { key, text };
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function isLoopbackUrl(v: string): boolean {
  try {
    const host = new URL(v.trim()).hostname.toLowerCase();
    return host === 'localhost' || host === '[::1]' || host === '0.0.0.0' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/**
 * The name a stdio MCP server goes by (for policy, pins and audit) when `--name` is
 * not given: the command's basename, or, when the command is a launcher (`npx`,
 * `node`, `uvx`, `python`, ...), the first argument that is not a flag (nor a
 * flag's value), as a package or file name without scope, version or extension.
 * A file called `index.js`, `main.py`, ... is named by its folder instead (past
 * `dist`, `build`, `src`, ...), so a server run from its package's path is named
 * after the package.
 *
 * @example
 * serverNameFor('npx', ['-y', '@modelcontextprotocol/server-everything@2025.1.1']); // 'server-everything'
 * serverNameFor('node', ['node_modules/@scope/server-fs/dist/index.js', 'stdio']);  // 'server-fs'
 * serverNameFor('uvx', ['mcp-server-fetch']);                                      // 'mcp-server-fetch'
 * serverNameFor('python', ['-m', 'mcp_server_time']);                              // 'mcp_server_time'
 * serverNameFor('/opt/tools/github-mcp', ['stdio']);                              // 'github-mcp'
 */
import { basename, dirname } from 'node:path';

/** What a server name may look like, as the config's `mcp.servers` keys. */
export const SERVER_NAME = /^[A-Za-z][A-Za-z0-9._-]*$/;

/** Launchers, and their flags that take a value (the value is not the server). */
const LAUNCHERS: Record<string, ReadonlySet<string>> = {
  npx: new Set(['-p', '--package', '-c', '--call', '--cache', '--registry', '--userconfig']),
  pnpx: new Set(['-p', '--package']),
  bunx: new Set(['-p', '--package']),
  node: new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions', '--env-file', '--input-type', '--stack-size']),
  bun: new Set(['-r', '--preload', '--cwd', '--env-file']),
  deno: new Set(['--config', '-c', '--import-map', '--allow-read', '--allow-net', '--allow-env', '--allow-write', '--allow-run']),
  uvx: new Set(['--from', '--with', '--python', '-p', '--index', '--index-url', '--extra-index-url']),
  uv: new Set(['--from', '--with', '--python', '-p', '--directory', '--project', '--index', '--index-url', '--extra-index-url']),
  pipx: new Set(['--spec', '--python', '--pip-args', '--index-url']),
  python: new Set(['-W', '-X', '-c']),
  python3: new Set(['-W', '-X', '-c']),
};

/** Subcommands that only say "run the next thing". */
const RUN_WORDS = new Set(['run', 'exec', 'x', 'tool']);

const ENTRY_FILES = new Set(['index', 'main', 'server', 'cli', '__main__', 'mod', 'app']);
const BUILD_DIRS = new Set(['dist', 'build', 'lib', 'src', 'bin', 'out', 'esm', 'cjs']);

/**
 * The derived name, or null when nothing usable is left (the caller asks for `--name`).
 *
 * @example
 * serverNameFor('uvx', ['--from', 'git+https://x', 'mcp-server-fetch']); // 'mcp-server-fetch'
 */
export function serverNameFor(cmd: string, args: readonly string[]): string | null {
  const launcher = basename(cmd)
    .replace(/\.(exe|cmd)$/i, '')
    .replace(/^(python)3\.\d+$/, 'python3');
  const valued = LAUNCHERS[launcher];
  if (!valued) return clean(stem(cmd));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') continue;
    if (a.startsWith('-')) {
      // `-m module` names the server; other flags with a separate value skip it.
      if (a === '-m' && (launcher === 'python' || launcher === 'python3')) continue;
      if (!a.includes('=') && valued.has(a)) i++;
      continue;
    }
    if (RUN_WORDS.has(a) && (launcher === 'uv' || launcher === 'pipx' || launcher === 'deno' || launcher === 'bun')) continue;
    return clean(nameOf(a));
  }
  return clean(stem(cmd));
}

/** A package spec or a path, as a name: scope, version, extension and entry-file names taken off. */
function nameOf(arg: string): string {
  if (/^@[^/]+\/[^/]+$/.test(arg) || /^@[^/]+\/[^/@]+@/.test(arg)) return arg.split('/')[1]!.replace(/@.*$/, '');
  if (!arg.includes('/') && !arg.includes('\\')) return stem(arg.replace(/(.)[@=]=?.*$/, '$1'));
  const s = stem(arg);
  if (!ENTRY_FILES.has(s)) return s;
  let dir = dirname(arg);
  while (BUILD_DIRS.has(basename(dir)) && dirname(dir) !== dir) dir = dirname(dir);
  const up = basename(dir);
  return up === '' || up === '.' || up === '..' ? s : up;
}

function stem(p: string): string {
  return basename(p).replace(/\.(m?[jt]s|c[jt]s|py|pyz|exe|sh)$/i, '');
}

/** Characters a server name cannot have become '-'; a name must start with a letter. */
function clean(name: string): string | null {
  const s = name
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z]+/, '')
    .replace(/-+$/, '');
  return SERVER_NAME.test(s) ? s : null;
}

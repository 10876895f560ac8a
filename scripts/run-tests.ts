/**
 * `npm test`'s runner: Node's built-in test runner (node:test's `run`, the same runner
 * and TAP output as `node --test`), over every `*.test.js` under dist/test (not the
 * helpers and fixtures beside them, which `node --test dist/test/` would also start, one
 * process each, to find no test in them), two files at a time, each file bounded by a
 * timeout. A file named on the command line runs whatever its name.
 *
 * What it adds is the order. `node --test` sorts its files by name, so the few files
 * that take minutes (most of it waiting: a 3-minute agent run, sandboxed runs, a
 * three-replica cluster) start wherever their names fall, and the run ends with one
 * slot idle while the other finishes the last of them. Started first, they overlap the
 * short files instead: about three minutes off a CI run on two cores.
 *
 *   node dist/scripts/run-tests.js [--concurrency 2] [--timeout 600000] [FILE_OR_DIR...]
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { run } from 'node:test';
import { tap } from 'node:test/reporters';
import { parseArgs } from 'node:util';

/** The slowest files of a run (each over 25 s on two cores in session 12's CI), longest first. */
const FIRST = [
  'control/renewal-3min-e2e.test.js',
  'launcher/isolate-e2e.test.js',
  'scale/three-gates-e2e.test.js',
  'mcp/stdio-protocol.test.js',
  'mcp/stdio-e2e.test.js',
  'state/state-file-e2e.test.js',
  'crash/kill9.test.js',
  'cli/approvals-e2e.test.js',
  'cli/run-clients.test.js',
  'cli/revoke-undo-e2e.test.js',
  'cli/quarantine-e2e.test.js',
  'cli/policy-e2e.test.js',
];

const { values, positionals } = parseArgs({
  options: { concurrency: { type: 'string', default: '2' }, timeout: { type: 'string', default: '600000' } },
  allowPositionals: true,
  strict: true,
});

const root = resolve('dist/test');

function jsFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? jsFiles(join(path, e.name)) : e.name.endsWith('.test.js') ? [join(path, e.name)] : []))
    .sort();
}

const found = (positionals.length > 0 ? positionals : [root]).flatMap((p) => jsFiles(resolve(p)));
const rank = (file: string): number => {
  const i = FIRST.indexOf(relative(root, file).split(sep).join('/'));
  return i < 0 ? FIRST.length : i;
};
const files = found.map((f, i) => ({ f, i, r: rank(f) })).sort((a, b) => a.r - b.r || a.i - b.i);

const stream = run({ files: files.map((x) => x.f), concurrency: Number(values.concurrency), timeout: Number(values.timeout) });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(tap).pipe(process.stdout);

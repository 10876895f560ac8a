/**
 * Small pieces shared by the end-to-end CLI suites (test/cli/*-e2e.test.ts): bounded
 * waits, reading the audit trail through `sluice audit query`, and running a real
 * client (curl, Python's urllib) under `sluice run`.
 */
import assert from 'node:assert/strict';
import type { AuditRecord } from '../../src/audit/fields.js';
import { sluice, type CliGate } from './cli.js';
import type { ExecResult } from './exec.js';

/**
 * Poll `probe` until it returns something other than undefined, at most `timeoutMs`.
 * Never a timing assertion: only a bound on how long to keep looking.
 *
 * @example
 * const rec = await waitFor('the audit record', () => records.find((r) => r.rule === 'x'));
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** `sluice audit query --json ARGS --config FILE`, parsed (oldest first). Throws on a non-zero exit. */
export async function auditQuery(configFile: string, args: readonly string[] = []): Promise<AuditRecord[]> {
  const r = await sluice(['audit', 'query', '--json', ...args, '--config', configFile]);
  assert.equal(r.code, 0, `sluice audit query failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

/** Wait (bounded) until `sluice audit query` returns a record matching `match`; the gate flushes audit.db every ~20 ms. */
export function waitForAudit(configFile: string, match: (r: AuditRecord) => boolean, args: readonly string[] = [], timeoutMs = 5000): Promise<AuditRecord> {
  return waitFor('a matching record in audit.db', async () => (await auditQuery(configFile, args)).find(match), timeoutMs, 50);
}

/** Wait (bounded) until the gate's stderr, from offset `from` on, matches `re`. */
export function waitForStderr(gate: CliGate, re: RegExp, from = 0, timeoutMs = 5000): Promise<RegExpExecArray> {
  return waitFor(`gate stderr to match ${re}`, () => re.exec(gate.stderr().slice(from)) ?? undefined, timeoutMs).catch((err: Error) => {
    throw new Error(`${err.message}\ngate stderr:\n${gate.stderr()}`);
  });
}

/** The session id `sluice run` announces on its stderr. */
export function sessionOf(runStderr: string): string {
  const m = /^sluice run: session (ses_\S+) \(tenant (\S+), agent (\S+)\)$/m.exec(runStderr);
  assert.ok(m, `no session line in sluice run's stderr: ${runStderr}`);
  return m[1]!;
}

/** The policy version `sluice start` announced (`policy V: N rule(s), ...`). */
export function startVersionOf(gate: CliGate): string {
  const m = /^policy (\S+): \d+ rule\(s\)/m.exec(gate.stdout());
  assert.ok(m, `no policy line in the gate's stdout: ${gate.stdout()}`);
  return m[1]!;
}

/** `sluice policy check FILE` → the version it prints (and asserts it says ok). */
export async function checkedVersion(configFile: string): Promise<string> {
  const r = await sluice(['policy', 'check', configFile]);
  assert.equal(r.code, 0, r.stderr);
  const m = /^ok: \d+ rules?, version (\S+)$/m.exec(r.stdout);
  assert.ok(m, r.stdout);
  return m[1]!;
}

export interface ClientResult {
  status: number;
  body: string;
  /** `sluice run`'s own stderr plus the client's. */
  stderr: string;
  session: string;
}

/** `-w` suffix curl prints after the body: a newline, then the status. */
export const CURL_STATUS = ['-o', '-', '-w', '\n%{http_code}'] as const;

/** Split curl output made with CURL_STATUS into body and status. */
export function splitCurl(r: ExecResult): { status: number; body: string } {
  assert.equal(r.code, 0, `curl failed: ${r.stderr}`);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

/**
 * Python's urllib: METHOD URL [BODY] → prints the status, a newline, then the body;
 * an HTTP error status is a result, not a failure.
 */
export const PY_REQUEST = [
  'import sys, urllib.request, urllib.error',
  'data = sys.argv[3].encode() if len(sys.argv) > 3 else None',
  'req = urllib.request.Request(sys.argv[2], method=sys.argv[1], data=data)',
  'try:',
  '    r = urllib.request.urlopen(req, timeout=10)',
  '    code, body = r.status, r.read()',
  'except urllib.error.HTTPError as e:',
  '    code, body = e.code, e.read()',
  'sys.stdout.write(str(code) + "\\n" + body.decode())',
].join('\n');

/** Split PY_REQUEST output into status and body. */
export function splitPy(r: ExecResult): { status: number; body: string } {
  assert.equal(r.code, 0, `python failed: ${r.stderr}`);
  const nl = r.stdout.indexOf('\n');
  return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1) };
}

/** What a user's shell might carry: a NO_PROXY that would bypass the gate if `sluice run` kept it. */
export const userEnv: NodeJS.ProcessEnv = { ...process.env, NO_PROXY: '*', no_proxy: '*' };

/**
 * `sluice run --config F --gate G [--agent A] [--tenant T] -- CMD...` with curl or
 * python3 (urllib) as CMD, returning status, body and the session id.
 *
 * @example
 * const r = await runClient(gate, cfg, { agent: 'support-bot' }, 'curl', 'GET', 'https://api.github.com:4443/repos/acme/x');
 */
export async function runClient(
  gate: CliGate,
  configFile: string,
  who: { agent?: string; tenant?: string },
  client: 'curl' | 'python',
  method: string,
  url: string,
  body?: string,
): Promise<ClientResult> {
  const idArgs = [...(who.tenant ? ['--tenant', who.tenant] : []), ...(who.agent ? ['--agent', who.agent] : [])];
  const cmd =
    client === 'curl'
      ? ['curl', '-sS', ...CURL_STATUS, '-X', method, ...(body === undefined ? [] : ['--data', body]), url]
      : ['python3', '-c', PY_REQUEST, method, url, ...(body === undefined ? [] : [body])];
  const r = await sluice(['run', '--config', configFile, '--gate', gate.address, ...idArgs, '--', ...cmd], { env: userEnv });
  const { status, body: text } = client === 'curl' ? splitCurl(r) : splitPy(r);
  return { status, body: text, stderr: r.stderr, session: sessionOf(r.stderr) };
}

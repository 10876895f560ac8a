/**
 * `sluice mcp` at the wire: raw JSON-RPC lines on the wrapper's stdin and stdout,
 * and a misbehaving server (test/fixtures/raw-stdio-server.ts) that records every
 * line that reached it. Malformed and oversized lines, batches, server requests,
 * exit codes and shutdown.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';
import { SLUICE_BIN } from '../helpers/exec.js';

const RAW_SERVER = fileURLToPath(new URL('../fixtures/raw-stdio-server.js', import.meta.url));
const MAX = 65536;
const CANARY = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;

type Msg = Record<string, unknown> & {
  id?: unknown;
  error?: { code: number; message: string; data?: { error?: string; reason?: string; decision_id?: string | null } };
};

/** `sluice mcp` with pipes: send lines, read JSON lines. */
class Wrapped {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out: unknown[] = [];
  err = '';
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [SLUICE_BIN, 'mcp', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        this.out.push(JSON.parse(buf.slice(0, nl)));
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (c: string) => (this.err += c));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  send(m: unknown): void {
    this.child.stdin.write(`${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
  }

  /** The first message (or batch) on stdout matching `pred`, taken out of `out`. */
  async next(what: string, pred: (m: unknown) => boolean): Promise<unknown> {
    return waitFor(
      what,
      () => {
        const i = this.out.findIndex(pred);
        return i === -1 ? undefined : this.out.splice(i, 1)[0];
      },
      10_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\nstdout so far: ${JSON.stringify(this.out)}\nstderr: ${this.err}`);
    });
  }

  reply(id: unknown): Promise<Msg> {
    return this.next(`the answer to ${String(id)}`, (m) => (m as Msg).id === id) as Promise<Msg>;
  }

  get session(): string {
    const m = /^sluice mcp: session (ses_\S+) /m.exec(this.err);
    assert.ok(m, this.err);
    return m[1]!;
  }

  async end(): Promise<number | null> {
    this.child.stdin.end();
    return this.exited;
  }
}

const call = (id: number | string, name: string, args: Record<string, unknown> = {}): Msg => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

describe('sluice mcp on the wire', () => {
  let d: InitDir;
  let gate: CliGate;
  let n = 0;
  const start = async (): Promise<{ w: Wrapped; received: () => Promise<string> }> => {
    const file = join(d.dir, `received-${++n}.jsonl`);
    const w = new Wrapped(['--config', d.configFile, '--gate', gate.address, '--name', 'raw', '--', 'node', RAW_SERVER, file]);
    w.send({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    assert.ok(!(await w.reply('init')).error);
    w.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return { w, received: () => readFile(file, 'utf8').catch(() => '') };
  };

  before(async () => {
    d = await initDir(`mcp:
  default: allow
  max_message_bytes: ${MAX}
`);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test('a line that is not JSON-RPC gets a parse error (-32700) or invalid request (-32600) under its id; nothing reaches the server; the conversation goes on', async () => {
    const { w, received } = await start();
    w.send('{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x",}}');
    const parse = await w.reply(7);
    assert.equal(parse.error?.code, -32700);
    assert.equal(parse.error?.data?.error, 'mcp_invalid_message');
    w.send({ id: 8, method: 'tools/call' });
    assert.equal((await w.reply(8)).error?.code, -32600);
    w.send('garbage');
    assert.equal((await w.reply(null)).error?.code, -32700);
    w.send(call(9, 'fine'));
    assert.equal((await w.reply(9)).error, undefined);
    assert.equal(await w.end(), 0);
    const got = await received();
    assert.match(got, /"id":9/);
    assert.doesNotMatch(got, /"id":[78]\b|garbage/);
  });

  test('a message over mcp.max_message_bytes is refused either way (message_too_large, audited); the next one passes', async () => {
    const { w, received } = await start();
    w.send(call(10, 'big', { blob: 'x'.repeat(MAX) }));
    const mine = await w.reply(10);
    assert.equal(mine.error?.code, -32001);
    assert.equal(mine.error?.data?.error, 'message_too_large');
    w.send(call(11, 'huge', { bytes: MAX * 2 }));
    const theirs = await w.reply(11);
    assert.equal(theirs.error?.code, -32001);
    assert.equal(theirs.error?.data?.error, 'message_too_large');
    assert.match(theirs.error?.message ?? '', /the server's answer was refused/);
    w.send(call(12, 'fine'));
    assert.equal((await w.reply(12)).error, undefined);
    assert.equal(await w.end(), 0);
    assert.doesNotMatch(await received(), /"id":10\b/);
    assert.match(w.err, /refused a message from the client \(tools\/call\): the JSON-RPC message is \d+ bytes, over the 65536-byte limit/);
    const recs = await auditQuery(d.configFile, ['--session', w.session]);
    const ids = [mine.error?.data?.decision_id, theirs.error?.data?.decision_id];
    assert.deepEqual(
      ids.map((id) => recs.find((r) => r.decision_id === id)?.reason),
      ['message_too_large', 'message_too_large'],
    );
    assert.equal(recs.find((r) => r.decision_id === ids[1])?.tool, 'huge', 'the refused answer closes its tool call’s record');
  });

  test('a broken answer from the server becomes an error for the client, whose call does not hang', async () => {
    const { w } = await start();
    w.send(call(13, 'garbage'));
    const r = await w.reply(13);
    assert.equal(r.error?.code, -32603);
    assert.equal(r.error?.data?.error, 'mcp_invalid_message');
    assert.equal(await w.end(), 0);
  });

  test('a batch with one refused message is refused whole: each request answered, nothing reaches the server', async () => {
    const { w, received } = await start();
    w.send([call(20, 'fine', { title: 'ok' }), call(21, 'fine', { title: CANARY })]);
    const batch = (await w.next('the batch answer', Array.isArray)) as Msg[];
    const byId = new Map(batch.map((m) => [m.id, m.error?.data?.error]));
    assert.deepEqual([byId.get(20), byId.get(21)], ['batch_refused', 'dlp_blocked']);
    assert.equal(await w.end(), 0);
    const got = await received();
    assert.doesNotMatch(got, /"id":2[01]\b/);
    assert.ok(!got.includes(CANARY) && !w.err.includes(CANARY));
  });

  test('a server request carrying a prompt injection is answered to the server with a refusal; the client never sees it', async () => {
    const { w, received } = await start();
    w.send(call(30, 'ask'));
    assert.equal((await w.reply(30)).error, undefined);
    assert.equal(await w.end(), 0);
    assert.ok(!w.out.some((m) => (m as Msg).method === 'sampling/createMessage'), JSON.stringify(w.out));
    const answer = (await received())
      .split('\n')
      .filter((l) => l.includes('"srv-1"'))
      .map((l) => JSON.parse(l) as Msg);
    assert.equal(answer.length, 1);
    assert.equal(answer[0]!.error?.data?.error, 'injection_blocked');
  });

  test('the server exiting ends the wrapper with its exit code; the call it left unanswered is recorded', async () => {
    const { w } = await start();
    w.send(call(40, 'exit', { code: 3 }));
    assert.equal(await w.exited, 3);
    const rec = (await auditQuery(d.configFile, ['--session', w.session])).find((r) => r.tool === 'exit');
    assert.equal(rec?.error, 'no_result');
  });

  test('revoking the session stops the server, as the gate cuts an open tunnel', async () => {
    const { w } = await start();
    w.send(call(50, 'fine'));
    assert.equal((await w.reply(50)).error, undefined);
    const r = await sluice(['revoke', '--session', w.session, '--reason', 'test', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await w.exited, 128 + 15, 'the server was ended with SIGTERM');
    assert.match(w.err, /session ses_\S+ was revoked \(test\): stopping the server/);
  });

  test('end of input closes the server’s stdin; its exit code is ours; a command that cannot start exits 127', async () => {
    const r = await sluice(['mcp', '--config', d.configFile, '--gate', gate.address, '--', 'sh', '-c', 'cat >/dev/null; exit 5'], { input: '' });
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /server sh$/m, 'named after the command');
    const missing = await sluice(['mcp', '--config', d.configFile, '--gate', gate.address, '--', 'no-such-mcp-server-here'], { input: '' });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot start 'no-such-mcp-server-here': command not found/);
  });

  test('usage: subcommands, --help, and mistakes', async () => {
    const help = await sluice(['mcp', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /sluice mcp accept SERVER/);
    const cases: [string[], RegExp][] = [
      [['mcp'], /nothing to run/],
      [['mcp', 'serve'], /unknown subcommand 'serve'/],
      [['mcp', 'accept'], /expected 'sluice mcp accept SERVER/],
      [['mcp', 'accept', 'x', '--gate', '1.2.3.4:5'], /--gate belongs to the wrapper form/],
      [['mcp', '--name', '9lives', '--', 'true'], /--name: expected a server name/],
      [['mcp', '--', '/opt/123'], /cannot derive a server name from '\/opt\/123'; pass --name SERVER/],
    ];
    for (const [args, re] of cases) {
      const r = await sluice(['mcp', '--config', d.configFile, ...args.slice(1)]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
    }
    const none = await sluice(['mcp', 'accept', 'nosuch', '--config', d.configFile]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /nothing is pinned for server 'nosuch'/);
  });
});

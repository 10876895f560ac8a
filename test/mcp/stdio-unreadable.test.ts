/**
 * Protocol recognition fails closed over stdio (`sluice mcp`): a line the gate cannot
 * read the way a lenient peer would (deep, invalid UTF-8, lone surrogate, BOM,
 * duplicate key, over-precise number, trailing bytes) is refused with
 * `jsonrpc_unreadable` and audited, in both directions; nothing of it is forwarded.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { initDir, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';
import { SLUICE_BIN } from '../helpers/exec.js';

const RAW_SERVER = fileURLToPath(new URL('../fixtures/raw-stdio-server.js', import.meta.url));
const DEEP = `${'['.repeat(100)}${']'.repeat(100)}`;

type Msg = Record<string, unknown> & {
  id?: unknown;
  result?: { tools?: { name: string }[] };
  error?: { code: number; message: string; data?: { error?: string; decision_id?: string | null } };
};

class Wrapped {
  readonly child: ChildProcessWithoutNullStreams;
  readonly out: Msg[] = [];
  err = '';
  readonly exited: Promise<number | null>;

  constructor(args: readonly string[]) {
    this.child = spawn(process.execPath, [SLUICE_BIN, 'mcp', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let buf = '';
    this.child.stdout.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        this.out.push(JSON.parse(buf.slice(0, nl)) as Msg);
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr.setEncoding('utf8').on('data', (c: string) => (this.err += c));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  send(m: unknown): void {
    this.child.stdin.write(Buffer.isBuffer(m) ? Buffer.concat([m, Buffer.from('\n')]) : `${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
  }

  reply(pred: (m: Msg) => boolean, what: string): Promise<Msg> {
    return waitFor(
      what,
      () => {
        const i = this.out.findIndex(pred);
        return i === -1 ? undefined : this.out.splice(i, 1)[0];
      },
      10_000,
    );
  }

  get session(): string {
    const m = /^sluice mcp: session (ses_\S+) /m.exec(this.err);
    assert.ok(m, this.err);
    return m[1]!;
  }
}

const call = (id: string, name: string, extra = ''): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{"a":"1"${extra}}}}`;
const withBytes = (id: string, bytes: number[]): Buffer =>
  Buffer.concat([
    Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"fine","arguments":{"a":"`),
    Buffer.from(bytes),
    Buffer.from('"}}}'),
  ]);

describe('sluice mcp: unreadable lines are refused and audited', () => {
  let d: InitDir;
  let gate: CliGate;
  let n = 0;
  const start = async (): Promise<{ w: Wrapped; received: () => Promise<string> }> => {
    const file = join(d.dir, `received-u${++n}.jsonl`);
    const w = new Wrapped(['--config', d.configFile, '--gate', gate.address, '--name', 'raw', '--', 'node', RAW_SERVER, file]);
    w.send({
      jsonrpc: '2.0',
      id: 'init',
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    });
    assert.ok(!(await w.reply((m) => m.id === 'init', 'init')).error);
    w.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return { w, received: () => readFile(file, 'utf8').catch(() => '') };
  };

  before(async () => {
    d = await initDir(`  - id: no-delete
    action: deny
    mcp:
      tools: [tickets.delete]
mcp:
  default: allow
`);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test('client lines: each hostile shape is refused with jsonrpc_unreadable, audited, and never reaches the server', async () => {
    const { w, received } = await start();
    const lines: Array<[string, string | Buffer]> = [
      ['"deep"', call('"deep"', 'tickets.delete', `,"pad":${DEEP}`)],
      ['"utf8"', withBytes('"utf8"', [0xff])],
      ['"surrogate"', call('"surrogate"', 'fine', ',"b":"\\udc00"')],
      ['"raw-surrogate"', withBytes('"raw-surrogate"', [0xed, 0xb0, 0x80])],
      ['"bom"', `\ufeff${call('"bom"', 'fine')}`],
      ['"dup"', `{"jsonrpc":"2.0","id":"dup","method":"tools/call","params":{"name":"tickets.delete","arguments":{},"name":"fine"}}`],
      ['"trail"', `${call('"trail"', 'fine')} {}`],
    ];
    for (const [, line] of lines) w.send(line);
    w.send(call('12345678901234567891', 'fine'));
    const ids: string[] = [];
    for (const [id] of lines) {
      const r = await w.reply((m) => m.id === JSON.parse(id), `the answer to ${id}`);
      assert.equal(r.error?.data?.error, 'jsonrpc_unreadable', `${id}: ${JSON.stringify(r)}`);
      assert.ok(r.error?.data?.decision_id, `${id} is audited`);
      ids.push(r.error.data.decision_id);
    }
    const big = await w.reply((m) => typeof m.id === 'number' && m.id > 1e19, 'the answer to the big id');
    assert.equal(big.error?.data?.error, 'jsonrpc_unreadable');
    w.send(call('"after"', 'fine'));
    assert.equal((await w.reply((m) => m.id === 'after', 'after')).error, undefined, 'the conversation goes on');
    w.child.stdin.end();
    await w.exited;
    const got = await received();
    assert.doesNotMatch(got, /"(deep|utf8|surrogate|raw-surrogate|bom|dup|trail)"|12345678901234567891/);
    const recs = await auditQuery(d.configFile, ['--session', w.session]);
    for (const id of ids) assert.equal(recs.find((r) => r.decision_id === id)?.reason, 'jsonrpc_unreadable', id);
  });

  test('server lines: a padded tools/list answer and a padded tool result reach the client as JSON-RPC errors', async () => {
    const { w } = await start();
    const b64 = (s: string | Buffer): string => Buffer.from(s).toString('base64');
    // Later tools/list answers list the denied tool, padded past the depth limit.
    w.send(
      call(
        '"set"',
        'set-list',
        `,"pre":"${b64('{"jsonrpc":"2.0","id":')}","post":"${b64(`,"result":{"pad":${DEEP},"tools":[{"name":"tickets.delete","inputSchema":{"type":"object"}}]}}`)}"`,
      ),
    );
    await w.reply((m) => m.id === 'set', 'set');
    w.send({ jsonrpc: '2.0', id: 'list', method: 'tools/list' });
    const list = await w.reply((m) => m.id === 'list', 'the list');
    assert.equal(list.result, undefined, `the list passed: ${JSON.stringify(list.result)}`);
    assert.equal(list.error?.data?.error, 'jsonrpc_unreadable');
    // A tool result with an invalid UTF-8 byte: refused, and the call's own record closes with the refusal.
    const post = Buffer.concat([Buffer.from(',"result":{"content":[{"type":"text","text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}]}}')]);
    w.send(call('"res"', 'raw', `,"pre":"${b64('{"jsonrpc":"2.0","id":')}","post":"${b64(post)}"`));
    const res = await w.reply((m) => m.id === 'res', 'the result');
    assert.equal(res.error?.data?.error, 'jsonrpc_unreadable');
    w.child.stdin.end();
    await w.exited;
    const recs = await auditQuery(d.configFile, ['--session', w.session]);
    assert.equal(recs.find((r) => r.decision_id === list.error?.data?.decision_id)?.method, 'tools/list');
    const callRec = recs.find((r) => r.decision_id === res.error?.data?.decision_id);
    assert.equal(callRec?.tool, 'raw');
    assert.equal(callRec?.reason, 'jsonrpc_unreadable');
  });
});

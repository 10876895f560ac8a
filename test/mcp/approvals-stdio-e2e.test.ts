/**
 * Human approvals for MCP tool calls through `sluice mcp` (the real CLI under the MCP
 * SDK client, next to a gate from `sluice start`): an `action: approve` tool rule
 * answers the call with the JSON-RPC error of `human_approval_required` carrying the
 * approval (id, expiry, the tool and its redacted arguments) in `data`; after
 * `sluice approvals approve` in another process the same call passes once; a held call
 * waits for the decision; the blast radius caps a session's tool calls.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, logAuditOn, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';
import { connectStdio, refusedWith, STDIO_FIXTURE, writeTools } from '../helpers/mcp-stdio.js';
import { defaultTools } from '../helpers/mcp-tools.js';

const CANARY = `ghp_${'Kq7Wv3Ln5Mp8St1Xy4Ab6Cd9Ef2Gh0Jk3Lm'}`;

interface ApprovalData {
  approval: { id: string; expires_at: string; status: string; diff: { tool: string; args: Record<string, unknown>; session: string } };
}

describe('sluice mcp: tool calls that need a human approval', () => {
  let d: InitDir;
  let gate: CliGate;
  let toolsFile: string;
  let callsFile: string;
  const fixture = (): string[] => ['node', STDIO_FIXTURE, toolsFile, callsFile];
  const calls = async (tool: string): Promise<number> =>
    (await readFile(callsFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes(`"${tool}"`)).length;
  const approvals = (...args: string[]): ReturnType<typeof sluice> => sluice(['approvals', ...args, '--config', d.configFile]);

  before(async () => {
    d = await initDir(`  - id: ticket-create
    action: approve
    approval: { approvers: [alice] }
    mcp:
      tools: [tickets.create]
  - id: file-write
    action: approve
    approval: { approvers: [alice], mode: hold }
    mcp:
      tools: [files.write]
  - id: other-tools
    mcp:
      tools: ['**']
inspect:
  dlp:
    action: warn
approvals:
  hold: 20s
blast_radius:
  mcp_max_chain_depth: 8
`);
    toolsFile = join(d.dir, 'tools.json');
    callsFile = join(d.dir, 'calls.jsonl');
    await writeTools(toolsFile, defaultTools());
    await logAuditOn(d.configFile);
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test('the call is refused with the approval in data; after approve it passes once and only once', async () => {
    const s = await connectStdio(gate, d.configFile, fixture(), { name: 'fixture' });
    try {
      const args = { title: 'refund', body: `use ${CANARY}` };
      const first = (await refusedWith(s.client.callTool({ name: 'tickets.create', arguments: args }), 'human_approval_required')) as unknown as ApprovalData;
      const a = first.approval;
      assert.match(a.id, /^apr_/);
      assert.equal(a.diff.tool, 'tickets.create');
      assert.equal(a.diff.args.title, 'refund');
      assert.match(String(a.diff.args.body), /REDACTED/);
      assert.ok(!JSON.stringify(first).includes(CANARY), 'the canary is in the JSON-RPC error');
      assert.equal(await calls('tickets.create'), 0);

      const show = await approvals('show', a.id);
      assert.match(show.stdout, /tool:\s+tickets\.create/);
      assert.ok(!show.stdout.includes(CANARY));
      assert.equal((await approvals('approve', a.id, '--as', 'alice')).code, 0);

      const other = (await refusedWith(
        s.client.callTool({ name: 'tickets.create', arguments: { title: 'other' } }),
        'human_approval_required',
      )) as unknown as ApprovalData;
      assert.notEqual(other.approval.id, a.id, 'other arguments are another call');
      const r = await s.client.callTool({ name: 'tickets.create', arguments: args });
      assert.match(JSON.stringify(r.content), /ok tickets\.create/);
      assert.equal(await calls('tickets.create'), 1);
      const again = (await refusedWith(s.client.callTool({ name: 'tickets.create', arguments: args }), 'human_approval_required')) as unknown as ApprovalData;
      assert.notEqual(again.approval.id, a.id, 'the grant was used once');

      const records = await waitFor('the tool call records', async () => {
        const rs = await auditQuery(d.configFile, ['--approval', a.id]);
        return rs.length >= 2 ? rs : undefined;
      });
      assert.ok(records.every((x) => x.tool === 'tickets.create' && x.rule === 'ticket-create'));
      assert.ok(records.some((x) => x.outcome === 'allow') && records.some((x) => x.reason === 'human_approval_required'));
      assert.ok(!JSON.stringify(records).includes(CANARY));
      assert.ok(!gate.stderr().includes(CANARY) && !s.stderr().includes(CANARY), 'the canary is in a log');
    } finally {
      await s.close();
    }
  });

  test('a held call waits, and goes on when approved from another process', async () => {
    const s = await connectStdio(gate, d.configFile, fixture(), { name: 'fixture' });
    try {
      const call = s.client.callTool({ name: 'files.write', arguments: { path: '/tmp/x', content: 'hello' } });
      const id = await waitFor('the pending approval', async () => /^(apr_\S+)\tpending\tfile-write/m.exec((await approvals('list')).stdout)?.[1], 10_000, 100);
      assert.equal(await calls('files.write'), 0, 'held, not forwarded');
      assert.equal((await approvals('approve', id, '--as', 'alice')).code, 0);
      const r = await call;
      assert.match(JSON.stringify(r.content), /ok files\.write/);
    } finally {
      await s.close();
    }
  });

  test('blast radius: a session past mcp_max_chain_depth tool calls is refused chain_depth_exceeded', async () => {
    const s = await connectStdio(gate, d.configFile, fixture(), { name: 'fixture' });
    try {
      for (let i = 0; i < 8; i++) await s.client.callTool({ name: 'tickets.delete', arguments: { id: String(i) } });
      const refused = await refusedWith(s.client.callTool({ name: 'tickets.delete', arguments: { id: '9' } }), 'chain_depth_exceeded');
      assert.match(refused.reason, /made 8 tool calls/);
    } finally {
      await s.close();
    }
  });
});

/**
 * An MCP tool call through the gate's HTTP proxy (the SDK's Streamable HTTP client)
 * under an `action: approve` tool rule: held while an approver decides with the real
 * CLI in another process, then forwarded; refused `approval_denied` (a JSON-RPC error
 * carrying the approval) when denied.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { sluice } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { mcpGateConfig } from '../helpers/mcp-http-gate.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';
import { refusedWith } from '../helpers/mcp-stdio.js';

describe('MCP over HTTP: tool calls held for a human approval', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(
      mcpGateConfig(`  - id: delete-held
    action: approve
    approval: { approvers: [alice], mode: hold }
    mcp: { tools: [tickets.delete] }
  - id: other-tools
    mcp: { tools: ['**'] }
approvals:
  hold: 20s
`),
    );
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  const decide = async (verb: 'approve' | 'deny', ...extra: string[]): Promise<void> => {
    const id = await waitFor(
      'a pending approval',
      async () => /^(apr_\S+)\tpending\tdelete-held/m.exec((await sluice(['approvals', 'list', '--config', g.configFile])).stdout)?.[1],
      10_000,
      100,
    );
    const r = await sluice(['approvals', verb, id, '--as', 'alice', ...extra, '--config', g.configFile]);
    assert.equal(r.code, 0, r.stderr);
  };

  test('held until approved from another process, then forwarded; a denial is a JSON-RPC error with the approval', async () => {
    const dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: false, token: g.auth });
    const transport = new StreamableHTTPClientTransport(new URL(`http://mcp.test:${server.port}/mcp`), {
      fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }),
    });
    const client = new Client({ name: 'sluice-approval-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const held = client.callTool({ name: 'tickets.delete', arguments: { id: '7' } });
      await decide('approve');
      assert.match(JSON.stringify((await held).content), /ok tickets\.delete/);
      assert.equal(server.calls.filter((c) => c.name === 'tickets.delete').length, 1);

      const refused = refusedWith(client.callTool({ name: 'tickets.delete', arguments: { id: '8' } }), 'approval_denied');
      await decide('deny', '--reason', 'keep it');
      const data = (await refused) as unknown as { reason: string; approval: { id: string; diff: { tool: string } } };
      assert.match(data.reason, /denied by alice: keep it/);
      assert.equal(data.approval.diff.tool, 'tickets.delete');
      assert.equal(server.calls.filter((c) => c.name === 'tickets.delete').length, 1);
      const rec = g.audit.records.find((r) => r.approval_id === data.approval.id && r.reason === 'approval_denied');
      assert.equal(rec?.tool, 'tickets.delete');
    } finally {
      await client.close();
    }
  });
});

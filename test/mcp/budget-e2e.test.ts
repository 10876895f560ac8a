/**
 * Budgets on MCP tool calls through the gate (the SDK client over HTTP): a tool rule
 * with `effect: write` spends a session's `writes`, and the write past the limit is
 * refused with a JSON-RPC error `budget_exhausted`, on record with the budget's name,
 * never reaching the server; reads pass. A budget naming the tool rule counts its calls.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectThroughGate, mcpGateConfig } from '../helpers/mcp-http-gate.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';

type RpcError = Error & { code?: number; data?: { error: string; reason: string; rule: string; decision_id: string } };

describe('budgets on MCP tool calls', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(
      mcpGateConfig(`  - id: create
    mcp: { tools: [tickets.create] }
    effect: write
  - id: delete
    mcp: { tools: [tickets.delete] }
budgets:
  one-write: { per: session, writes: 1 }
  two-deletes: { per: session, calls: 2, rules: [delete] }
`),
    );
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  test('the second write is refused budget_exhausted; the calls of a budget naming the rule are counted', async () => {
    const url = `http://mcp.test:${server.port}/mcp`;
    const client = await connectThroughGate(g, url, await g.mint({ session: 'mcp-budget' }));
    try {
      await client.callTool({ name: 'tickets.create', arguments: { title: 'first' } });
      const before = server.calls.length;
      let decision = '';
      await assert.rejects(client.callTool({ name: 'tickets.create', arguments: { title: 'second' } }), (err: RpcError) => {
        assert.equal(err.data?.error, 'budget_exhausted');
        assert.equal(err.data?.rule, 'create');
        assert.match(
          err.data?.reason ?? '',
          /^budget one-write \(writes 1, per session, for its life\) is exhausted \(writes 1 of 1\) for session mcp-budget; it does not reset \(tool tickets\.create\)$/,
        );
        decision = err.data?.decision_id ?? '';
        return true;
      });
      assert.equal(server.calls.length, before, 'the refused call never reached the server');
      const rec = g.audit.records.find((r) => r.decision_id === decision);
      assert.deepEqual([rec?.outcome, rec?.reason, rec?.budget, rec?.tool], ['deny', 'budget_exhausted', 'one-write', 'tickets.create']);
      // A read (no effect: write) is not a write; a budget naming its rule counts its calls.
      await client.callTool({ name: 'tickets.delete', arguments: { id: '1' } });
      await client.callTool({ name: 'tickets.delete', arguments: { id: '2' } });
      await assert.rejects(client.callTool({ name: 'tickets.delete', arguments: { id: '3' } }), (err: RpcError) => {
        assert.equal(err.data?.error, 'budget_exhausted');
        assert.match(err.data?.reason ?? '', /^budget two-deletes .* \(calls 2 of 2\)/);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

/**
 * A tool rule's `rate_limit:` holds for tool calls through the gate: the SDK client's
 * call past the limit is refused with a JSON-RPC error `rate_limited` that says when to
 * retry, on record, and never reaches the server; other tools and identities pass.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectThroughGate, mcpGateConfig } from '../helpers/mcp-http-gate.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';

describe('rate limits on MCP tool rules', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(
      mcpGateConfig(`  - id: create-twice
    mcp: { tools: [tickets.create] }
    rate_limit: { requests: 2, per: 1h }
  - id: other-tools
    mcp: { tools: ['**'] }
`),
    );
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  test('the third tickets.create is refused rate_limited; another tool and another identity pass', async () => {
    const url = `http://mcp.test:${server.port}/mcp`;
    const client = await connectThroughGate(g, url, await g.mint({ session: 'tools-1' }));
    try {
      for (let i = 0; i < 2; i++) await client.callTool({ name: 'tickets.create', arguments: { title: `t${i}` } });
      const before = server.calls.length;
      let decision = '';
      await assert.rejects(
        client.callTool({ name: 'tickets.create', arguments: { title: 't3' } }),
        (err: Error & { code?: number; data?: Record<string, string> }) => {
          assert.equal(err.code, -32001);
          assert.equal(err.data?.error, 'rate_limited');
          assert.equal(err.data?.rule, 'create-twice');
          assert.match(
            err.data?.reason ?? '',
            /^rule create-twice's rate limit \(2 requests per 1h, per identity\) is used up for tool tickets\.create; retry after \d+s$/,
          );
          decision = err.data?.decision_id ?? '';
          return true;
        },
      );
      assert.equal(server.calls.length, before, 'the refused call never reached the server');
      const rec = g.audit.records.find((r) => r.decision_id === decision);
      assert.equal(rec?.outcome, 'deny');
      assert.equal(rec?.reason, 'rate_limited');
      assert.equal(rec?.tool, 'tickets.create');
      // Another tool, under another rule without a limit, still passes.
      const r = await client.callTool({ name: 'tickets.delete', arguments: { id: '7' } });
      assert.match(JSON.stringify(r.content), /ok tickets.delete/);
    } finally {
      await client.close();
    }
    const second = await connectThroughGate(g, url, await g.mint({ session: 'tools-2' }));
    try {
      await second.callTool({ name: 'tickets.create', arguments: { title: 'other identity' } });
    } finally {
      await second.close();
    }
  });
});

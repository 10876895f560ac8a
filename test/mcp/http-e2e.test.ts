import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import type { AuditRecord } from '../../src/audit/fields.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';

const CANARY = `AKIA${randomBytes(8).toString('hex').toUpperCase().slice(0, 16)}`;

async function connect(g: TestGate, url: string, token = g.token): Promise<Client> {
  const dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: url.startsWith('https:'), token: `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`, requestTls: { ca: g.caPem } });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }),
  });
  const client = new Client({ name: 'sluice-test-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function toolRecords(g: TestGate): AuditRecord[] {
  return g.audit.records.filter((r) => r.protocol === 'mcp');
}

describe('MCP over Streamable HTTP through the gate (plain HTTP)', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp();
    g = await startTestGate(`
dns:
  hosts:
    mcp.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: mcp-host
    hosts: [mcp.test]
`);
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  test('tools list and call pass, and each call is one audit record with server and tool', async () => {
    const client = await connect(g, `http://mcp.test:${server.port}/mcp`);
    try {
      const list = await client.listTools();
      assert.ok(list.tools.some((t) => t.name === 'tickets.create'));
      const r = await client.callTool({ name: 'tickets.create', arguments: { title: 'printer on fire' } });
      assert.match(JSON.stringify(r.content), /ok tickets.create/);
      const rec = toolRecords(g).find((x) => x.tool === 'tickets.create');
      assert.ok(rec, 'a tool-call record');
      assert.equal(rec.method, 'tools/call');
      assert.equal(rec.server, 'mcp.test');
      assert.equal(rec.outcome, 'allow');
      assert.equal(rec.tenant, 'acme');
      assert.ok(rec.parent_id);
    } finally {
      await client.close();
    }
  });

  test('a secret in a tool argument is refused with a JSON-RPC error and never reaches the server', async () => {
    const client = await connect(g, `http://mcp.test:${server.port}/mcp`);
    try {
      const before = server.calls.length;
      await assert.rejects(
        client.callTool({ name: 'tickets.create', arguments: { title: 'x', body: `key=${CANARY}` } }),
        (err: Error & { code?: number; data?: { error?: string; decision_id?: string } }) => {
          assert.equal(err.code, -32001);
          assert.equal(err.data?.error, 'dlp_blocked');
          assert.ok(err.data?.decision_id);
          assert.ok(!err.message.includes(CANARY));
          return true;
        },
      );
      assert.equal(server.calls.length, before);
      const rec = toolRecords(g).find((x) => x.outcome === 'deny' && x.reason === 'dlp_blocked');
      assert.ok(rec);
      assert.ok(!JSON.stringify(g.audit.records).includes(CANARY));
    } finally {
      await client.close();
    }
  });

  test('an injected tool result is replaced by a JSON-RPC error', async () => {
    const client = await connect(g, `http://mcp.test:${server.port}/mcp`);
    try {
      await assert.rejects(client.callTool({ name: 'web.fetch', arguments: { url: 'https://example.com' } }), (err: Error & { data?: { error?: string } }) => {
        assert.equal(err.data?.error, 'injection_blocked');
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

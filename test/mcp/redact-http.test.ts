/**
 * A tool rule's `redact:` on MCP over Streamable HTTP through the gate (the SDK client
 * behind undici's ProxyAgent, a real SDK server): the tool result's structuredContent
 * and JSON text reach the client with the fields replaced; an HTTP rule's `redact:` on
 * an MCP exchange refuses the response instead of redacting it as plain JSON (which
 * would skip the MCP guard's answer steps).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import { REDACTED_MARKER } from '../../src/inspect/redact-paths.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startMcpHttp, type McpHttpServer } from '../helpers/mcp-server.js';
import { CRM_RECORD } from '../helpers/mcp-tools.js';

function client(g: TestGate, url: string): Promise<Client> {
  const dispatcher = new ProxyAgent({ uri: g.url, proxyTunnel: false, token: `Basic ${Buffer.from(`sluice:${g.token}`).toString('base64')}` });
  const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }) });
  const c = new Client({ name: 'sluice-redact-test', version: '1.0.0' });
  return c.connect(transport).then(() => c);
}

describe('redact: and MCP over HTTP', () => {
  let server: McpHttpServer;
  let g: TestGate;
  before(async () => {
    server = await startMcpHttp({
      handlers: { 'crm.lookup': () => Promise.resolve({ content: [{ type: 'text', text: JSON.stringify(CRM_RECORD) }], structuredContent: CRM_RECORD }) },
    });
    g = await startTestGate(`
dns:
  hosts:
    mcp.test: 127.0.0.1
    redacted-mcp.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: mcp-host
    hosts: [mcp.test]
  - id: http-redact-on-mcp
    hosts: [redacted-mcp.test]
    redact: [ssn]
  - id: crm-tools
    mcp: { tools: ['crm.*'] }
    redact: [ssn, '$.session.token']
  - id: other-tools
    mcp: { tools: ['**'] }
`);
  });
  after(async () => {
    await g.close();
    await server.close();
  });

  test("a tool rule's redact: replaces the fields in structuredContent and the JSON text; the record says partial_result", async () => {
    const c = await client(g, `http://mcp.test:${server.port}/mcp`);
    try {
      const r = (await c.callTool({ name: 'crm.lookup', arguments: {} })) as unknown as { structuredContent: typeof CRM_RECORD; content: { text: string }[] };
      assert.equal(r.structuredContent.SSN, REDACTED_MARKER);
      assert.equal(r.structuredContent.session.token, REDACTED_MARKER);
      assert.deepEqual(JSON.parse(r.content[0]!.text), r.structuredContent);
      const rec = g.audit.records.find((x) => x.tool === 'crm.lookup');
      assert.deepEqual([rec?.outcome, rec?.reason, rec?.rule], ['allow', 'partial_result', 'crm-tools']);
      const all = JSON.stringify(r) + JSON.stringify(g.audit.records) + JSON.stringify(g.logs);
      assert.ok(!all.includes(CRM_RECORD.SSN) && !all.includes(CRM_RECORD.session.token));
      // Another tool's result is untouched.
      const plain = await c.callTool({ name: 'tickets.create', arguments: { title: 'x' } });
      assert.match(JSON.stringify(plain), /ok tickets.create/);
    } finally {
      await c.close();
    }
  });

  test("an HTTP rule's redact: on an MCP exchange refuses the response (use a tool rule's redact:)", async () => {
    await assert.rejects(client(g, `http://redacted-mcp.test:${server.port}/mcp`), /403|response_unreadable|redact/);
    const rec = g.audit.records.find((x) => x.host === 'redacted-mcp.test' && x.reason === 'response_unreadable');
    assert.ok(rec, JSON.stringify(g.audit.records.filter((x) => x.host === 'redacted-mcp.test')));
    assert.equal(rec.rule, 'http-redact-on-mcp');
  });
});

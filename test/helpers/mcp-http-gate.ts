/**
 * MCP over HTTP through a test gate: the config head that routes `mcp.test` to the
 * loopback MCP server and lets the gate reach it, and the SDK's Streamable HTTP client
 * dialling through the gate as an identity.
 *
 * @example
 * const g = await startTestGate(mcpGateConfig(`  - id: all-tools\n    mcp: { tools: ['**'] }\n`));
 * const client = await connectThroughGate(g, `http://mcp.test:${server.port}/mcp`);
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import type { TestGate } from './gate.js';

/** `mcp.test` resolved to loopback and allowed, a host rule for it, then `rules` (more rule items, then any other top-level sections). */
export function mcpGateConfig(rules: string): string {
  return `
dns:
  hosts:
    mcp.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: mcp-host
    hosts: [mcp.test]
${rules}`;
}

/** An SDK client connected to `url` through the gate, as `token`'s identity (an https URL goes through a CONNECT the gate intercepts). */
export async function connectThroughGate(g: TestGate, url: string, token = g.token): Promise<Client> {
  const dispatcher = new ProxyAgent({
    uri: g.url,
    proxyTunnel: url.startsWith('https:'),
    token: `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`,
    requestTls: { ca: g.caPem },
  });
  const transport = new StreamableHTTPClientTransport(new URL(url), {
    fetch: (input, init) => undiciFetch(input, { ...(init as object), dispatcher }),
  });
  const client = new Client({ name: 'sluice-test-client', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

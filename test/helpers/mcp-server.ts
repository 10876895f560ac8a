import { randomUUID } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { upstreamPki } from './pki.js';
import { defaultTools, makeMcpServer, type ServerLog, type ToolDef, type ToolHandler } from './mcp-tools.js';

export interface McpHttpServer extends ServerLog {
  port: number;
  /** Replace the tool list the server answers with (a rug pull). */
  setTools(tools: ToolDef[]): void;
  close(): Promise<void>;
}

/**
 * A real MCP server over Streamable HTTP (stateful: one SDK transport per
 * Mcp-Session-Id) at `/mcp` on 127.0.0.1, plain or HTTPS with the test upstream CA.
 */
export async function startMcpHttp(
  opts: { tls?: boolean; names?: string[]; bearer?: string; handlers?: Readonly<Record<string, ToolHandler>> } = {},
): Promise<McpHttpServer> {
  let tools = defaultTools();
  const log: ServerLog = { calls: [] };
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void (async () => {
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404).end('not found');
        return;
      }
      if (opts.bearer !== undefined && req.headers.authorization !== `Bearer ${opts.bearer}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (!transport) {
        transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, transport!),
        });
        await makeMcpServer(() => tools, log, opts.handlers).connect(transport);
      }
      await transport.handleRequest(req, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  };
  let server: HttpServer;
  if (opts.tls) {
    const pki = await upstreamPki();
    const minter = new LeafMinter(pki.ca);
    const leaf = minter.mint(opts.names?.[0] ?? 'mcp.test');
    server = createHttps({ key: minter.keyPem, cert: leaf.chainPem }, handler);
  } else {
    server = createHttp(handler);
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    calls: log.calls,
    setTools: (t) => {
      tools = t;
    },
    close: async () => {
      for (const t of sessions.values()) await t.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

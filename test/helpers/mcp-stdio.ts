/**
 * The MCP SDK client talking to a stdio server through the real CLI, as an MCP
 * client configured with `sluice mcp ... -- CMD` would: the SDK's
 * StdioClientTransport spawns `node dist/src/cli/main.js mcp ... -- CMD ARGS`.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import type { CliGate } from './cli.js';
import { waitFor } from './cli-e2e.js';
import { SLUICE_BIN } from './exec.js';
import type { ToolDef } from './mcp-tools.js';

/** The compiled stdio fixture (test/fixtures/mcp-stdio-server.ts). */
export const STDIO_FIXTURE = fileURLToPath(new URL('../fixtures/mcp-stdio-server.js', import.meta.url));

/** server-everything's stdio entry, run with node (no npx, no network). */
export const EVERYTHING = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

export interface StdioSession {
  client: Client;
  /** The session id `sluice mcp` announced. */
  session: string;
  /** What the wrapper (and the server behind it) wrote to stderr so far. */
  stderr(): string;
  /** Close the client; the wrapper ends its child and exits (its audit records are flushed by then). */
  close(): Promise<void>;
}

/**
 * `sluice mcp --config F --gate G [--name N] [FLAGS] -- CMD...` under the SDK client, connected (initialize done).
 *
 * @example
 * const s = await connectStdio(gate, cfg, ['node', STDIO_FIXTURE, toolsFile], { name: 'fixture' });
 * await s.client.callTool({ name: 'tickets.create', arguments: { title: 'x' } });
 */
export async function connectStdio(
  gate: CliGate,
  configFile: string,
  command: readonly string[],
  opts: { name?: string; flags?: readonly string[] } = {},
): Promise<StdioSession> {
  const args = [
    SLUICE_BIN,
    'mcp',
    '--config',
    configFile,
    '--gate',
    gate.address,
    ...(opts.name ? ['--name', opts.name] : []),
    ...(opts.flags ?? []),
    '--',
    ...command,
  ];
  const transport = new StdioClientTransport({ command: process.execPath, args, env: process.env as Record<string, string>, stderr: 'pipe' });
  let err = '';
  transport.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const client = new Client({ name: 'sluice-stdio-test', version: '1.0.0' });
  await client.connect(transport);
  const session = await waitFor('the session line of sluice mcp', () => /^sluice mcp: session (ses_\S+) /m.exec(err)?.[1]).catch((e: Error) => {
    throw new Error(`${e.message}\nstderr:\n${err}`);
  });
  return { client, session, stderr: () => err, close: () => client.close() };
}

/** The deny body an MCP refusal carries as JSON-RPC error data. */
export interface DenyData {
  error: string;
  reason: string;
  rule: string | null;
  decision_id: string | null;
}

/**
 * Await a call the gate must refuse: a JSON-RPC error -32001 whose data is the deny
 * body with `error`; returns the data.
 *
 * @example
 * const d = await refusedWith(client.callTool({ name: 'tickets.delete', arguments: { id: '1' } }), 'policy_denied');
 */
export async function refusedWith(call: Promise<unknown>, error: string, code = -32001): Promise<DenyData> {
  let caught: unknown;
  try {
    const r = await call;
    assert.fail(`expected a refusal (${error}), got a result: ${JSON.stringify(r).slice(0, 300)}`);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof McpError, `expected an McpError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  const data = caught.data as DenyData;
  assert.equal(data.error, error, caught.message);
  assert.equal(typeof data.reason, 'string');
  return data;
}

/** Write a tool list for the fixture to serve. */
export async function writeTools(file: string, tools: readonly ToolDef[]): Promise<void> {
  await writeFile(file, JSON.stringify(tools));
}

/**
 * One stdio MCP server behind the guard, from start to exit: open the channel,
 * pump both directions through the relay, and when the child exits, pass on what
 * it wrote before exiting, stop reading the client, record the tool calls left
 * unanswered, and report the child's exit code.
 *
 * @example
 * const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env });
 * process.exitCode = await wrapStdio({ guard, env, audit, who, server: 'everything', child, exited, clientIn: process.stdin, clientOut: process.stdout, warn });
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { AuditSink } from '../../audit/sink.js';
import type { Who } from '../../policy/types.js';
import type { McpGuard } from '../guard.js';
import type { McpEnv } from '../types.js';
import { stdioChannelInfo } from './channel-info.js';
import { lineWriter, pumpStdio } from './pump.js';
import { StdioRelay, type RelayIo } from './relay.js';

export interface StdioWrapOptions {
  guard: McpGuard;
  env: McpEnv;
  audit: AuditSink;
  who: Who;
  /** The server's name for policy, pins and audit. */
  server: string;
  /** Spawned with stdin and stdout piped. */
  child: ChildProcess;
  /** The child's exit code, as the caller computes it. */
  exited: Promise<number>;
  clientIn: Readable;
  clientOut: Writable;
  warn: (text: string) => void;
}

/** How long output the child wrote before it exited may take to drain to the client. */
const DRAIN_AFTER_EXIT_MS = 2000;

/**
 * Run the conversation until the child exits; returns its exit code.
 *
 * @example
 * const code = await wrapStdio({ guard, env, audit, who: principal, server: 'fs', child, exited, clientIn: process.stdin, clientOut: process.stdout, warn });
 */
export async function wrapStdio(o: StdioWrapOptions): Promise<number> {
  const { child } = o;
  if (!child.stdin || !child.stdout) throw new TypeError('wrapStdio: the child needs piped stdin and stdout');
  const channel = o.guard.open(stdioChannelInfo(o.who, o.server));
  const toClient = lineWriter(o.clientOut, 'the client', o.warn);
  const toServer = lineWriter(child.stdin, 'the server', o.warn);
  const io: RelayIo = {
    toClient: (p) => toClient(Buffer.from(JSON.stringify(p))),
    toClientLine: toClient,
    toServer: (p) => toServer(Buffer.from(JSON.stringify(p))),
    toServerLine: toServer,
    warn: o.warn,
    audit: (r) => {
      try {
        o.audit.write(r);
      } catch (err) {
        o.warn(`audit write failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
    policyVersion: () => o.env.policy.version,
  };
  const maxBytes = o.env.settings.maxMessageBytes;
  const relay = new StdioRelay(o.guard, channel, io, maxBytes);
  const pumps = pumpStdio({ relay, maxBytes, clientIn: o.clientIn, clientOut: o.clientOut, serverIn: child.stdin, serverOut: child.stdout, warn: o.warn });
  const code = await o.exited;
  await bounded(pumps.server, DRAIN_AFTER_EXIT_MS);
  // A grandchild may still hold the pipe open: the server's side is over either way.
  child.stdout.destroy();
  // Nobody is left to answer the client: stop reading it, and let a line in flight finish.
  o.clientIn.destroy();
  await bounded(pumps.client, DRAIN_AFTER_EXIT_MS);
  o.guard.close(channel);
  return code;
}

async function bounded(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

/**
 * The stdio wrapper's message path: each line from the client or from the server
 * (the child) is parsed as JSON-RPC, split if it is a batch, passed message by
 * message through the MCP guard, and what the guard lets through is written on
 * (the original bytes when nothing changed). Refusals go back the way they came:
 * a client's refused request is answered on our stdout, a server's refused request
 * on the child's stdin. A line that cannot be read (too large, not JSON-RPC) is
 * never forwarded; see unreadable.ts.
 *
 * Callers feed lines in order, one at a time per direction (await each).
 *
 * @example
 * const relay = new StdioRelay(guard, guard.open(info), io, env.settings.maxMessageBytes);
 * for (const line of splitter.push(chunk)) await relay.fromClient(line);
 */
import type { ClientStep, McpGuard } from '../guard.js';
import type { McpChannel } from '../channel.js';
import { jsonRpcError, parseJsonRpc } from '../../inspect/mcp/jsonrpc.js';
import { REFUSALS } from '../../refusals.js';
import type { JsonRpcMessage, JsonRpcParseResult } from '../../inspect/mcp/jsonrpc.js';
import { envelopeOf, type Envelope } from './envelope.js';
import type { Line } from './line-splitter.js';
import { refuseUnreadable, type RelayIo, type Unreadable } from './unreadable.js';

export type { RelayIo } from './unreadable.js';

const BATCH_REFUSED = 'another message in the same JSON-RPC batch was refused, so none of it was forwarded';

export class StdioRelay {
  constructor(
    private readonly guard: McpGuard,
    readonly channel: McpChannel,
    private readonly io: RelayIo,
    private readonly maxBytes: number,
  ) {}

  /** A line from the client (our stdin), bound for the server. */
  async fromClient(line: Line): Promise<void> {
    const guarded = await this.guarded('client', line, (m, bytes) => this.guard.client(this.channel, m, { parentId: null, bytes }));
    if (guarded === null) return;
    const { parsed, steps, bytes } = guarded;
    if (steps.every((s) => s.kind === 'forward')) return this.io.toServerLine(bytes);
    if (!parsed.batch) {
      const s = steps[0]!;
      if (s.kind === 'reply') return this.io.toClient(s.message);
      if (s.kind === 'replace') return this.io.toServer(s.message);
      return;
    }
    return this.refuseBatch(parsed.messages, steps);
  }

  /** A line from the server (the child's stdout), bound for the client. */
  async fromServer(line: Line): Promise<void> {
    const guarded = await this.guarded('server', line, (m, bytes) => this.guard.server(this.channel, m, { parentId: null, bytes }));
    if (guarded === null) return;
    const { parsed, steps, bytes } = guarded;
    const kept: Record<string, unknown>[] = [];
    const answers: Record<string, unknown>[] = [];
    steps.forEach((s) => (s.kind === 'forward' ? kept.push(s.message) : s.message && answers.push(s.message)));
    if (answers.length > 0) await this.io.toServer(parsed.batch ? answers : answers[0]);
    if (kept.length === parsed.messages.length && kept.every((k, i) => k === parsed.messages[i]!.raw)) return this.io.toClientLine(bytes);
    if (kept.length > 0) await this.io.toClient(parsed.batch ? kept : kept[0]);
  }

  /**
   * The line's messages, each passed through the guard by `step` (with its size); null
   * when the line was refused instead: too large, not JSON-RPC, or the guard failed.
   */
  private async guarded<S>(
    from: 'client' | 'server',
    line: Line,
    step: (m: JsonRpcMessage, bytes: number) => Promise<S>,
  ): Promise<{ parsed: Extract<JsonRpcParseResult, { ok: true }>; steps: S[]; bytes: Buffer } | null> {
    if (line.kind === 'oversized') {
      await this.unreadable(from, line.envelope, tooLarge(line.bytes, this.maxBytes));
      return null;
    }
    const parsed = parseJsonRpc(line.bytes, { maxBytes: this.maxBytes });
    if (!parsed.ok) {
      await this.unreadable(from, envelopeOf(line.bytes), malformed(parsed, line.bytes.length));
      return null;
    }
    const steps: S[] = [];
    try {
      for (const m of parsed.messages) steps.push(await step(m, size(parsed.batch, m, line.bytes)));
    } catch (err) {
      await this.failed(from, line.bytes, err);
      return null;
    }
    return { parsed, steps, bytes: line.bytes };
  }

  /**
   * A batch with any refused message is refused whole (fail closed), as over HTTP:
   * the client's requests each get their refusal (or `batch_refused`), and the
   * server's requests the client answered get `batch_refused` instead of the answer.
   */
  private async refuseBatch(messages: JsonRpcMessage[], steps: ClientStep[]): Promise<void> {
    const toClient: unknown[] = [];
    const toServer: unknown[] = [];
    messages.forEach((m, i) => {
      const s = steps[i]!;
      if (s.kind === 'reply') toClient.push(s.message);
      else if (s.kind === 'replace') toServer.push(s.message);
      else if (s.kind === 'forward' && m.kind === 'request') {
        const decisionId = this.guard.abandon(this.channel, m.id, null);
        toClient.push(
          jsonRpcError(m.id, REFUSALS.batch_refused.jsonRpc, BATCH_REFUSED, {
            error: 'batch_refused',
            reason: BATCH_REFUSED,
            rule: null,
            decision_id: decisionId,
          }),
        );
      } else if (s.kind === 'forward' && (m.kind === 'result' || m.kind === 'error') && m.id !== null) {
        toServer.push(
          jsonRpcError(m.id, REFUSALS.batch_refused.jsonRpc, BATCH_REFUSED, { error: 'batch_refused', reason: BATCH_REFUSED, rule: null, decision_id: null }),
        );
      }
    });
    if (toServer.length > 0) await this.io.toServer(toServer);
    if (toClient.length > 0) await this.io.toClient(toClient);
  }

  private unreadable(from: 'client' | 'server', envelope: Envelope, what: Unreadable): Promise<void> {
    return refuseUnreadable(this.guard, this.channel, this.io, from, envelope, what);
  }

  /** The guard itself failed: the message is refused (fail closed) and the failure reported. */
  private failed(from: 'client' | 'server', bytes: Buffer, err: unknown): Promise<void> {
    this.io.warn(`the MCP guard failed on a message from the ${from}; it was refused: ${err instanceof Error ? err.message : String(err)}`);
    return this.unreadable(from, envelopeOf(bytes), {
      error: 'mcp_guard_failed',
      reason: 'the gate could not inspect this message; refused (fail closed)',
      audited: true,
      bytes: bytes.length,
    });
  }
}

function tooLarge(bytes: number, max: number): Unreadable {
  return {
    error: 'message_too_large',
    reason: `the JSON-RPC message is ${bytes} bytes, over the ${max}-byte limit (mcp.max_message_bytes); nothing was forwarded`,
    audited: true,
    bytes,
  };
}

/**
 * Why a line is refused. One a lenient peer would still read (deep, not UTF-8, a BOM,
 * a lone surrogate, a duplicate or case-variant key, an over-precise number, trailing
 * bytes) is the gate's decision, `jsonrpc_unreadable`, and audited; plain garbage is
 * a broken peer, `mcp_invalid_message`.
 */
function malformed(r: Extract<JsonRpcParseResult, { ok: false }>, bytes: number): Unreadable {
  if (r.code !== 'invalid_json' && r.code !== 'empty_batch' && (r.code !== 'not_jsonrpc' || r.message.includes('in another case'))) {
    const parse = r.code !== 'not_jsonrpc' && r.code !== 'batch_too_long';
    return {
      error: 'jsonrpc_unreadable',
      malformed: parse ? 'parse' : 'invalid',
      reason: `the JSON-RPC message cannot be read the way its receiver would read it (${r.message}); refused`,
      audited: true,
      bytes,
    };
  }
  const parse = r.code === 'invalid_json';
  return {
    error: 'mcp_invalid_message',
    malformed: parse ? 'parse' : 'invalid',
    reason: `${parse ? 'Parse error' : 'Invalid Request'}: ${r.message}`,
    audited: false,
    bytes,
  };
}

/** A message's size: the line's, or, inside a batch, its own serialised size. */
function size(batch: boolean, m: JsonRpcMessage, line: Buffer): number {
  return batch ? Buffer.byteLength(JSON.stringify(m.raw)) : line.length;
}

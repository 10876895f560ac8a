/**
 * One MCP conversation between a client and a server, as the guard tracks it: the
 * requests in flight (so a response is read as the answer to what was asked, and a
 * tool call's audit record gets its result), the tools a tools/list showed as
 * blocked (poisoned, or changed since pinned), and the tool-call chain detector.
 * Bounded: at most MAX_PENDING requests in flight; the oldest is dropped (and
 * recorded as unanswered) when a client sends more.
 */
import type { Finding } from '../inspect/finding.js';
import type { JsonRpcId } from '../inspect/mcp/jsonrpc.js';
import type { ChainDetector, ChannelInfo, ToolVerdict } from './types.js';

export const MAX_PENDING = 4096;

/** A request the client sent and the server has not answered yet. */
export interface PendingRequest {
  method: string;
  id: JsonRpcId;
  /** For tools/call: the tool, its decision and what the arguments' scan found. */
  call: { tool: string; verdict: ToolVerdict; decisionId: string; findings: Finding[]; approvalId?: string | null } | null;
  startNs: bigint;
  time: string;
  bytesIn: number;
}

/** Why a tool is kept from the model: its definition changed since it was pinned, or it is poisoned. */
export interface BlockedTool {
  error: 'mcp_tool_changed' | 'tool_poisoning_blocked';
  reason: string;
}

export class McpChannel {
  readonly pending = new Map<string, PendingRequest>();
  readonly blocked = new Map<string, BlockedTool>();
  chain: ChainDetector | null = null;
  /** Set once the first tools/list was checked against the pins. */
  listed = false;
  /**
   * The old HTTP+SSE transport answers every request on the server's event stream,
   * not on the POST: while that stream is open through the gate, this puts the gate's
   * own answers on it. Null otherwise.
   */
  deliver: ((message: Record<string, unknown>) => void) | null = null;

  constructor(readonly info: ChannelInfo) {}

  /** The key a response's id is looked up by (a string id and a number id never collide). */
  static key(id: JsonRpcId | null): string {
    return typeof id === 'number' ? `n:${id}` : `s:${id ?? ''}`;
  }

  /** Remember a request; returns the one dropped to make room, if any. */
  track(p: PendingRequest): PendingRequest | null {
    let dropped: PendingRequest | null = null;
    if (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next();
      if (!oldest.done) {
        dropped = this.pending.get(oldest.value) ?? null;
        this.pending.delete(oldest.value);
      }
    }
    this.pending.set(McpChannel.key(p.id), p);
    return dropped;
  }

  take(id: JsonRpcId | null): PendingRequest | null {
    const k = McpChannel.key(id);
    const p = this.pending.get(k);
    if (p === undefined) return null;
    this.pending.delete(k);
    return p;
  }
}

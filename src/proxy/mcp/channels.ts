/**
 * MCP channels of the HTTP proxy. Streamable HTTP spreads one conversation over many
 * exchanges (a POST per message, a GET for the server's stream), and the older
 * HTTP+SSE transport answers POSTs on a separate GET stream, so the guard's state
 * (requests in flight, blocked tools, the chain detector) is kept per conversation:
 * agent session + server origin + the transport's session id (`Mcp-Session-Id`, or
 * the `sessionId` of the old transport's endpoint URL). Bounded: the least recently
 * used channel goes first, and a channel idle for IDLE_MS is closed (its unanswered
 * calls recorded).
 *
 * @example
 * const ch = channels.get(key, () => info);
 */
import type { McpChannel } from '../../mcp/channel.js';
import type { McpGuard } from '../../mcp/guard.js';
import type { ChannelInfo } from '../../mcp/types.js';

export const MAX_CHANNELS = 10_000;
export const IDLE_MS = 30 * 60_000;

export class McpChannels {
  readonly #map = new Map<string, { ch: McpChannel; used: number }>();

  constructor(
    private readonly guard: McpGuard,
    private readonly now: () => number = Date.now,
  ) {}

  /** The channel for `key`, opened with `info()` when there is none. */
  get(key: string, info: () => ChannelInfo): McpChannel {
    const t = this.now();
    const hit = this.#map.get(key);
    if (hit && t - hit.used < IDLE_MS) {
      // Re-insert: Map order is the LRU order.
      this.#map.delete(key);
      hit.used = t;
      this.#map.set(key, hit);
      return hit.ch;
    }
    if (hit) this.drop(key);
    while (this.#map.size >= MAX_CHANNELS) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.drop(oldest.value);
    }
    const ch = this.guard.open(info());
    this.#map.set(key, { ch, used: t });
    return ch;
  }

  /** The channel for `key` if one is open. */
  find(key: string): McpChannel | null {
    return this.#map.get(key)?.ch ?? null;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Close every channel (gate shutdown). */
  closeAll(): void {
    for (const key of [...this.#map.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const e = this.#map.get(key);
    if (!e) return;
    this.#map.delete(key);
    this.guard.close(e.ch);
  }
}

/**
 * The channel key. `transportSession` is the Mcp-Session-Id header, or the old
 * transport's `sessionId` query parameter, or '' when there is neither.
 *
 * @example
 * channelKey('sess-1', 'https', 'mcp.example.com', 443, 'abc') // 'sess-1|https://mcp.example.com:443|abc'
 */
export function channelKey(agentSession: string | null, scheme: string, host: string, port: number, transportSession: string): string {
  return `${agentSession ?? '-'}|${scheme}://${host}:${port}|${transportSession}`;
}

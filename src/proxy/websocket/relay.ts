import type { Socket } from 'node:net';
import type { Finding } from '../../inspect/finding.js';
import { relayDirection, type Session } from './direction.js';
import { closePayload, encodeFrame, OP } from './frames.js';
import type { MessageInspector } from './message-inspector.js';

export interface RelayOptions {
  /**
   * Largest text message reassembled and scanned; larger closes with 1009. Also how
   * much of an outbound binary message is held while it is scanned.
   */
  maxMessageBytes: number;
  binary: 'allow' | 'deny';
  /** Largest binary message (all its fragments); larger closes with 1009. */
  maxBinaryBytes: number;
  /** No traffic either way for this long closes the session (1001). */
  idleMs: number;
  inspector: MessageInspector;
}

/** How a session ended, for its audit record. */
export interface RelayResult {
  /** `deny` when the gate closed the session for a finding or a limit, `error` for a protocol violation; else `allow`. */
  outcome: 'allow' | 'deny' | 'error';
  /** Contract code when the gate closed it: `dlp_blocked`, `injection_blocked`, `ws_binary_denied`, ... */
  reason: string | null;
  /** Set when the session did not end with a clean close handshake or hit a protocol error. */
  error: string | null;
  findings: Finding[];
  /** Frame bytes received from the agent / from the upstream after the handshake. */
  bytesIn: number;
  bytesOut: number;
}

const MAX_FINDINGS = 64;
const CLOSE_GRACE_MS = 2000;

/**
 * Relay one WebSocket session frame by frame between the agent and the upstream.
 * Text messages are reassembled (bounded), checked as UTF-8, and inspected whole
 * before any of them is forwarded: short ones at once, long ones in slices with turns
 * for the event loop between them, within a CPU budget per message (see direction.ts
 * and message-work.ts); one side is not read while one of its messages is being
 * inspected, so order and backpressure hold. The agent's binary messages are scanned
 * as they arrive and held until scanned: whole up to `maxMessageBytes`, beyond that
 * forwarded in fragments that keep back the scanner's margin, so no part of a secret
 * leaves before it is found and a blocked message never completes upstream. The
 * agent's control payloads are scanned too. Everything else is forwarded as received,
 * mask and all. A blocking finding is never forwarded: both sides get a close (1008)
 * and both connections end; so does a message whose inspection outruns its budget
 * (`inspection_budget_exceeded`). `onEnd` is called once, when both are closed.
 *
 * @example
 * relayWebSocket(agentSocket, upstreamSocket, { agent: head, upstream: upHead }, opts, (r) => audit(r));
 */
export function relayWebSocket(
  agent: Socket,
  upstream: Socket,
  heads: { agent: Buffer; upstream: Buffer },
  opts: RelayOptions,
  onEnd: (result: RelayResult) => void,
): RelayHandle {
  const result: RelayResult = { outcome: 'allow', reason: null, error: null, findings: [], bytesIn: 0, bytesOut: 0 };
  const seenFindings = new Set<string>();
  let stopped = false;
  let closes = 0;
  let open = 2;
  let grace: NodeJS.Timeout | null = null;

  const record = (findings: readonly Finding[]): void => {
    for (const f of findings) {
      const key = `${f.type}|${f.location}|${f.action}|${f.encoding ?? ''}`;
      if (seenFindings.has(key) || result.findings.length >= MAX_FINDINGS) continue;
      seenFindings.add(key);
      result.findings.push(f);
    }
  };

  /** The gate ends the session itself: a close to each side, then both connections end. */
  const terminate = (code: number, reason: string, how: Partial<Pick<RelayResult, 'outcome' | 'reason' | 'error'>>): void => {
    if (stopped) return;
    stopped = true;
    Object.assign(result, how);
    const text = `sluice: ${reason}`;
    if (agent.writable) agent.end(encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(code, text), mask: null }));
    // To the upstream the gate is the client: its frames are masked.
    if (upstream.writable) upstream.end(encodeFrame({ fin: true, opcode: OP.close, payload: closePayload(code, text), mask: 'new' }));
    armGrace();
  };
  const armGrace = (): void => {
    grace ??= setTimeout(() => {
      agent.destroy();
      upstream.destroy();
    }, CLOSE_GRACE_MS).unref();
  };

  const finish = (): void => {
    if (grace) clearTimeout(grace);
    if (!stopped && closes < 2 && result.error === null) result.error = 'ws_abnormal_closure';
    onEnd(result);
  };
  const session = (fromAgent: boolean): Session => ({
    opts,
    stopped: () => stopped,
    terminate,
    record,
    counted: (n) => {
      if (fromAgent) result.bytesIn += n;
      else result.bytesOut += n;
    },
    closeSeen: () => void closes++,
    armGrace,
  });
  const closed = (): void => {
    if (--open === 0) finish();
  };

  const feedAgent = relayDirection(true, agent, upstream, session(true), closed);
  const feedUpstream = relayDirection(false, upstream, agent, session(false), closed);
  if (heads.upstream.length > 0) {
    result.bytesOut += heads.upstream.length;
    feedUpstream(heads.upstream);
  }
  if (heads.agent.length > 0) {
    result.bytesIn += heads.agent.length;
    feedAgent(heads.agent);
  }
  agent.resume();
  upstream.resume();
  return { end: terminate };
}

/** The running session, for the gate to end it (an identity that expired or was revoked). */
export interface RelayHandle {
  /** A close (`code`, `sluice: <reason>`) to both sides, then both connections end; `how` goes on the result. */
  end(code: number, reason: string, how: Partial<Pick<RelayResult, 'outcome' | 'reason' | 'error'>>): void;
}

/**
 * A line the stdio wrapper cannot pass through the guard (over the size limit, not
 * JSON-RPC, or the guard failed on it) is never forwarded. Whoever waits for an
 * answer gets one instead, found by the line's envelope (its top-level id and
 * method): a refused request is answered to its sender; a refused response becomes
 * an error to the one who asked, so no client hangs on a call that will never be
 * answered. Refusals by the gate (size, guard failure) are audited; a malformed
 * line is only reported on stderr (it is a broken peer, not a decision).
 *
 * @example
 * await refuseUnreadable(guard, channel, io, 'client', envelopeOf(bytes), { error: 'mcp_invalid_message', malformed: 'parse', reason: 'Parse error: not valid JSON', audited: false, bytes: 12 });
 */
import type { AuditRecord } from '../../audit/fields.js';
import { newDecisionId } from '../../audit/decision-id.js';
import { jsonRpcError, type JsonRpcId } from '../../inspect/mcp/jsonrpc.js';
import { JSONRPC_INTERNAL_ERROR, JSONRPC_REFUSED, jsonRpcCodeFor, type RefusalCode } from '../../refusals.js';
import { McpChannel } from '../channel.js';
import type { McpGuard } from '../guard.js';
import { toolRecord } from '../tool-record.js';
import type { Envelope } from './envelope.js';

/** Where the relay writes, and what it reports. Writes resolve once the bytes are handed on (backpressure). */
export interface RelayIo {
  /** One JSON-RPC payload (a message or a batch), serialised as one line, to the client. */
  toClient(payload: unknown): Promise<void>;
  /** A line exactly as received (without its newline), to the client. */
  toClientLine(bytes: Buffer): Promise<void>;
  toServer(payload: unknown): Promise<void>;
  toServerLine(bytes: Buffer): Promise<void>;
  /** A line for the operator on stderr. */
  warn: (text: string) => void;
  audit(record: AuditRecord): void;
  policyVersion(): string;
}

export interface Unreadable {
  /** The deny body's `error`: `message_too_large`, `mcp_invalid_message`, `mcp_guard_failed`. */
  error: RefusalCode;
  /** Not parseable as JSON-RPC: the sender gets JSON-RPC's own code (refusals.ts, jsonRpcCodeFor). */
  malformed?: 'parse' | 'invalid';
  reason: string;
  /** Record the refusal in the audit trail (and give the answer a decision id). */
  audited: boolean;
  bytes: number;
}

/**
 * Refuse an unreadable line from `from`; see the module comment.
 *
 * @example
 * await refuseUnreadable(guard, channel, io, 'server', { id: 4, method: null, batch: false }, tooLarge); // the client's call 4 gets the error
 */
export async function refuseUnreadable(
  guard: McpGuard,
  ch: McpChannel,
  io: RelayIo,
  from: 'client' | 'server',
  envelope: Envelope,
  what: Unreadable,
): Promise<void> {
  const { id, method } = envelope;
  const kind = method !== null ? (id !== null ? 'request' : 'notification') : id !== null ? 'response' : 'unknown';
  io.warn(`refused a message from the ${from}${method !== null ? ` (${method})` : ''}: ${what.reason}`);
  // A refused answer to a tool call closes that call's own record (whatever the cause);
  // any other refusal by the gate gets a record of its own.
  const answered = from === 'server' && kind === 'response';
  const asked = answered ? (ch.pending.get(McpChannel.key(id))?.method ?? null) : null;
  let decisionId = answered ? guard.abandon(ch, id!, null, what.error) : null;
  if (what.audited) {
    if (decisionId === null) {
      decisionId = newDecisionId();
      io.audit(
        toolRecord(ch.info, {
          decisionId,
          time: new Date().toISOString(),
          startNs: process.hrtime.bigint(),
          method: method ?? asked ?? 'response',
          tool: null,
          outcome: 'deny',
          reason: what.error,
          rule: null,
          policyVersion: io.policyVersion(),
          intent: null,
          findings: [],
          bytesIn: from === 'client' ? what.bytes : 0,
          bytesOut: from === 'server' ? what.bytes : 0,
          synthesised: true,
          error: null,
          parentId: null,
        }),
      );
    }
  }
  const body = (reason: string): { error: RefusalCode; reason: string; rule: null; decision_id: string | null } => ({
    error: what.error,
    reason,
    rule: null,
    decision_id: decisionId,
  });
  const code = jsonRpcCodeFor(what.error, what.malformed);
  // To the sender: what is wrong with its message. To the other side, whose request it answered: that the answer was refused.
  const toSender = (to: JsonRpcId | null): unknown => jsonRpcError(to, code, what.reason, body(what.reason));
  const toAsker = (to: JsonRpcId): unknown => {
    const reason = `the ${from}'s answer was refused: ${what.reason}`;
    return jsonRpcError(to, code === JSONRPC_REFUSED ? JSONRPC_REFUSED : JSONRPC_INTERNAL_ERROR, reason, body(reason));
  };
  if (from === 'client') {
    if (kind === 'request' || kind === 'unknown') return io.toClient(toSender(id));
    if (kind === 'response') return io.toServer(toAsker(id!));
    return;
  }
  if (kind === 'request') return io.toServer(toSender(id));
  if (kind === 'response') return io.toClient(toAsker(id!));
}

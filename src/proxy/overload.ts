/**
 * The answers of a gate that is full or stopping: 503 in the deny contract with
 * `Retry-After`, each with its audit record. A request is answered before anything
 * else is done for it (not identified, nothing dialled); a connection refused at
 * accept gets a raw answer and is closed at once, so its file descriptor is freed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { newDecisionId } from '../audit/decision-id.js';
import { openRefusal } from './audit-open.js';
import { writeRecord } from './audit-record.js';
import { observeRecord } from '../observe/metrics.js';
import { auditRecord } from '../audit/record.js';
import { classifyTarget } from './classify-target.js';
import { sendDeny, writeRawDeny } from './deny-response.js';
import { REFUSALS, type RefusalCode } from '../refusals.js';
import type { GateServices } from './gate-runtime.js';
import { RETRY_AFTER } from './limits.js';
import { lingerClose } from './linger-close.js';
import { newExchange } from './pipeline/exchange.js';
import { tunnelOf } from './tunnel-context.js';

const STOPPING = 'the gate is shutting down';

function errorOf(why: string): RefusalCode {
  return why === STOPPING ? 'shutting_down' : 'overloaded';
}

/** Answer a request the gate will not take on (full, or stopping), and record it. */
export function refuseRequest(gate: GateServices, req: IncomingMessage, res: ServerResponse, why: string): void {
  const state = gate.state();
  const ctx = newExchange(gate, state, req, res, { tunnel: tunnelOf(req.socket) });
  try {
    classifyTarget(ctx);
  } catch {
    // The record keeps what could be read; the answer is the same.
  }
  const error = errorOf(why);
  ctx.outcome = 'deny';
  ctx.reason = error;
  res.once('close', () => writeRecord(gate, ctx));
  // Whatever the agent still sends of a body is not read.
  if (req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) res.shouldKeepAlive = false;
  openRefusal(gate, ctx);
  sendDeny(res, { error, reason: why, rule: null, decision_id: ctx.decisionId }, { 'retry-after': RETRY_AFTER });
}

/** Answer a connection refused at accept, close it, and record it (no request was read: no method, host or path). */
export function refuseConnection(gate: GateServices, socket: Socket, why: string): void {
  const decision_id = newDecisionId();
  const error = errorOf(why);
  // Answer at once, without waiting for (or parsing) the agent's request: the descriptor is what is scarce.
  socket.pause();
  const record = auditRecord({
    decision_id,
    time: new Date().toISOString(),
    policy_version: gate.state().policy.version,
    outcome: 'deny',
    reason: error,
    status: REFUSALS[error].status,
  });
  try {
    gate.audit.write(record);
  } catch (err) {
    gate.logger.error({ err, decision_id }, 'audit write failed');
  }
  observeRecord(record);
  // On record (the whole record: nothing more will happen) before the answer leaves.
  writeRawDeny(socket, { error, reason: why, rule: null, decision_id }, { 'retry-after': RETRY_AFTER });
  lingerClose(socket);
}

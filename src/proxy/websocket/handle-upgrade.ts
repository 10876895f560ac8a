import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { buildRecord } from '../audit-record.js';
import { openRecord, openRefusal } from '../audit-open.js';
import { DECISION_HEADER, writeRawDeny, writeRawResponse } from '../deny-response.js';
import { Rejection } from '../errors-map.js';
import type { GateServices } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';
import { admitAndDecide, newContext, recordFailure, resolveDestination } from '../request-steps.js';
import { tunnelOf } from '../tunnel-context.js';
import { buildUpstreamRequest } from '../upstream-request.js';
import { checkHandshake, isWebSocketUpgrade, switchingProtocolsHead, upstreamUpgradeHeaders } from './handshake.js';
import { messageInspector } from './message-inspector.js';
import { openUpstream } from './open-upstream.js';
import { relayWebSocket, type RelayHandle, type RelayResult } from './relay.js';
import { CLOSE } from './frames.js';
import type { IdentityError } from '../../identity/errors.js';

/**
 * Handles the HTTP server's `upgrade` event, for plain proxy requests and inside
 * intercepted tunnels alike.
 *
 * @example
 * const upgrades = new UpgradeHandler(services, trust);
 * server.on('upgrade', (req, socket, head) => upgrades.handle(req, socket, head));
 */
export class UpgradeHandler {
  private context: SecureContext | null = null;

  constructor(
    private readonly gate: GateServices,
    private readonly trust: readonly string[],
  ) {}

  handle(req: IncomingMessage, socket: Socket, head: Buffer): void {
    void handleUpgrade(this.gate, () => (this.context ??= createSecureContext({ ca: [...this.trust] })), req, socket, head);
  }
}

/**
 * A WebSocket upgrade goes through the same front half as any request (identify →
 * classify → hostname DLP → decide), is refused with the deny contract as a plain
 * HTTP answer before any upgrade, or is dialled to the vetted address (or route) with
 * the rule's header rewrite and credential, and then relayed frame by frame with
 * inspection both ways. One audit record per session, written when it ends.
 */
async function handleUpgrade(gate: GateServices, trust: () => SecureContext, req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
  socket.pause();
  socket.on('error', (err) => gate.logger.debug({ err: err.message }, 'websocket client socket error'));
  const state = gate.state();
  // `ws://` and `wss://` targets in absolute form mean the same as http(s):// here.
  if (req.url && /^wss?:\/\//i.test(req.url)) req.url = req.url.replace(/^ws/i, 'http');
  // Never written to: it only satisfies the request context; the socket is answered raw.
  const ctx = newContext(req, new ServerResponse(req), tunnelOf(socket), state);
  let status = 0;
  const audit = (): void => {
    try {
      gate.audit.write({ ...buildRecord(ctx), status });
    } catch (err) {
      gate.logger.error({ err, decision_id: ctx.decisionId }, 'audit write failed');
    }
  };

  try {
    if (!isWebSocketUpgrade(req)) {
      throw new Rejection('unsupported', `protocol upgrade "${String(req.headers.upgrade)}" is not proxied; only WebSocket is`);
    }
    const decision = await admitAndDecide(gate, state, ctx);
    const held = holdSession(gate, ctx, socket);
    await openRecord(gate, state, ctx);
    if (decision.respond) {
      // The rule answers itself: a plain response, no upgrade, nothing dialled.
      const body = Buffer.from(decision.respond.body, 'utf8');
      ctx.synthesised = true;
      ctx.outcome ??= 'allow';
      ctx.bytesOut = body.length;
      status = decision.respond.status;
      writeRawResponse(socket, status, { ...decision.respond.headers, [DECISION_HEADER]: ctx.decisionId }, body);
      return audit();
    }
    const key = checkHandshake(req);
    const dest = await resolveDestination(state, ctx, decision.route);
    const up = await buildUpstreamRequest(gate, ctx, decision, dest);
    ctx.credential = up.credential;
    ctx.rewritten = up.rewritten;
    const upstream = await openUpstream(dest, {
      path: up.path,
      headers: upstreamUpgradeHeaders(up.headers),
      secureContext: trust(),
      connectTimeoutMs: gate.timeouts.upstreamConnectMs,
      responseTimeoutMs: gate.timeouts.idleMs,
    });
    let switching: string;
    try {
      held.check();
      switching = switchingProtocolsHead(key, req, upstream.res, ctx.decisionId, up.scrub);
    } catch (err) {
      upstream.socket.destroy();
      throw err;
    }
    if (socket.destroyed) {
      upstream.socket.destroy();
      ctx.outcome = 'error';
      ctx.error = 'client_closed';
      return audit();
    }
    socket.write(switching);
    status = 101;
    socket.setNoDelay(true);
    upstream.socket.setNoDelay(true);
    const ws = state.inspect.websocket;
    held.relay = relayWebSocket(
      socket,
      upstream.socket,
      { agent: head, upstream: upstream.head },
      {
        maxMessageBytes: ws.max_message_bytes,
        binary: ws.binary,
        maxBinaryBytes: ws.max_binary_bytes,
        idleMs: gate.timeouts.idleMs,
        inspector: messageInspector(state, decision.inspect ?? null, up.scrub),
      },
      (r) => {
        settle(ctx, r);
        audit();
      },
    );
  } catch (thrown) {
    const f = recordFailure(gate, ctx, thrown);
    status = f.status;
    openRefusal(gate, ctx);
    writeRawDeny(socket, { error: f.error, reason: f.reason, rule: f.rule ?? ctx.decision?.rule ?? null, decision_id: ctx.decisionId }, f.headers);
    // Read (and drop) whatever the agent still sends, so its close is seen and the socket freed.
    socket.resume();
    audit();
  }
}

/**
 * A session lives as long as its identity: registered (plain and `wss` alike) so that
 * expiry or revocation closes it with 1008 and records why. Ended before the upgrade
 * completes, `check()` throws the reason and the agent gets the deny contract.
 */
function holdSession(gate: GateServices, ctx: RequestContext, socket: Socket): { relay: RelayHandle | null; check(): void } {
  let ended: IdentityError | null = null;
  const held: { relay: RelayHandle | null; check(): void } = {
    relay: null,
    check: () => {
      if (ended) throw ended;
    },
  };
  if (!ctx.principal) return held;
  const release = gate.exchanges.hold(ctx.principal, {
    end: (why) => {
      ended = why;
      const text = why.reason === 'identity_expired' ? 'agent token expired' : 'agent identity revoked';
      held.relay?.end(CLOSE.policyViolation, text, { outcome: 'deny', reason: why.reason, error: why.reason });
    },
  });
  if (socket.destroyed) release();
  else socket.once('close', release);
  return held;
}

/** Carry how the session ended onto the request context its audit record is built from. */
function settle(ctx: RequestContext, r: RelayResult): void {
  ctx.bytesIn = r.bytesIn;
  ctx.bytesOut = r.bytesOut;
  ctx.findings.push(...r.findings);
  if (r.outcome !== 'allow') {
    ctx.outcome = r.outcome;
    ctx.reason = r.reason ?? undefined;
  } else {
    ctx.outcome ??= 'allow';
  }
  if (r.error) ctx.error = r.error;
}

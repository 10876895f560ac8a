/**
 * The exchange: what one request (or WebSocket session, or passthrough tunnel) carries
 * through its pipeline. It is the request context (who, what, the decision, what the
 * audit record is built from) plus the per-request snapshot of config (`state`) and
 * the services, so no step reads the gate's current state again: a reload mid-request
 * cannot pair the old policy with new DLP or identity settings.
 */
import { IncomingMessage, ServerResponse, type Server } from 'node:http';
import { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { GateServices, GateState } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';
import type { Destination } from '../destination.js';
import { newDecisionId } from '../../audit/decision-id.js';
import type { Cut } from '../cut.js';
import type { McpIntake } from '../mcp/intake.js';
import type { RelayHandle } from '../websocket/relay.js';
import type { TunnelContext } from '../tunnel-context.js';

/** A connection the gate answers on raw (a WebSocket upgrade, a CONNECT), not through a ServerResponse. */
export interface Carrier {
  readonly socket: Socket;
  /** Bytes the agent sent after its head (the first of a WebSocket's frames, a TLS hello). */
  readonly head: Buffer;
  /** CONNECT: the HTTP server an intercepted tunnel's requests are handed to. */
  readonly server?: Server;
  /** WebSocket: the trust store for `wss` upstreams. */
  readonly trust?: () => SecureContext;
  /** CONNECT: the name the agent's TLS client checks the leaf against (tunnel-context.ts). */
  leafName?: string;
  /** WebSocket: the agent's `Sec-WebSocket-Key`, once the handshake is checked. */
  wsKey?: string;
}

/** The request as it will leave the gate, built by inspect-out, rewrite and inject. */
export interface UpstreamView {
  headers: Record<string, string | string[]>;
  path: string;
  body?: AsyncIterable<Buffer>;
  /** Needles for the reflected-secret scrubber (set by inject). */
  scrub: readonly Buffer[];
  /** Header names the rule (or an operator's step) set or removed; on the record once injection succeeded. */
  rewritten: string[];
}

export interface Exchange extends RequestContext {
  readonly gate: GateServices;
  /** The config this exchange runs under, taken once by the listener. */
  readonly state: GateState;
  /** Set for a raw carrier (WebSocket, CONNECT); null for a plain or intercepted request. */
  readonly carrier: Carrier | null;
  /** The status written raw on the carrier (the record's `status`); -1 without a carrier (the response's status counts). */
  rawStatus: number;
  /** The agent sent `Expect: 100-continue`; `continued` once the gate told it to go on. */
  readonly expectContinue: boolean;
  continued: boolean;
  /** Fired when the identity expires or is revoked (hold-exchange). */
  cut: Cut | null;
  /** WebSocket: the session's identity hold (hold-session). */
  session: { relay: RelayHandle | null; check(): void } | null;
  /** What the MCP intake read and decided about the body. */
  intake: McpIntake | null;
  /** Where the request goes (route), with the keep-alive pool that reaches it (HTTP). */
  dest: Destination | null;
  up: UpstreamView | null;
  /** Headers operators' steps add to the upstream request (operator-steps.ts). */
  added: Record<string, string> | null;
  /** CONNECT that was intercepted: each request inside has its own record, the CONNECT none. */
  handedOff: boolean;
  /** CONNECT: the tunnel it established, once identified. */
  tunnelMade: TunnelContext | null;
}

/**
 * @example
 * const x = newExchange(gate, gate.state(), req, res, { tunnel: tunnelOf(req.socket) });
 * await pipelines(x.state).http(x);
 */
export function newExchange(
  gate: GateServices,
  state: GateState,
  req: IncomingMessage,
  res: ServerResponse,
  opts: { tunnel?: TunnelContext | undefined; carrier?: Carrier; expectContinue?: boolean; transport?: RequestContext['transport'] },
): Exchange {
  const tunnel = opts.tunnel;
  const x: Exchange = {
    decisionId: newDecisionId(),
    time: new Date().toISOString(),
    startNs: process.hrtime.bigint(),
    req,
    res,
    tunnel,
    transport: opts.transport ?? (tunnel ? 'intercept' : 'http'),
    principal: null,
    scheme: tunnel ? 'https' : 'http',
    host: undefined,
    hostText: '',
    port: 0,
    // Set by classify from the parsed request target. Never the raw URL: a request
    // refused before parsing must not put userinfo or an unredacted host in the audit trail.
    target: '',
    decision: undefined,
    address: null,
    bytesIn: 0,
    bytesOut: 0,
    findings: [],
    outcome: undefined,
    reason: undefined,
    error: null,
    policyVersion: state.policy.version,
    credential: null,
    route: null,
    synthesised: false,
    rewritten: [],
    auditHost: null,
    auditPath: null,
    protocol: null,
    stoppedBy: undefined,
    opened: false,
    scanPace: undefined,
    rawStatus: opts.carrier ? 0 : -1,
    gate,
    state,
    carrier: opts.carrier ?? null,
    expectContinue: opts.expectContinue ?? false,
    continued: false,
    cut: null,
    session: null,
    intake: null,
    dest: null,
    up: null,
    added: null,
    handedOff: false,
    tunnelMade: null,
    trace: null,
  };
  // Tracing off (the default): this null check is all it costs (observe/tracing.ts).
  if (gate.tracing) x.trace = gate.tracing.begin(req.headers.traceparent, req.method ?? '', x.decisionId);
  return x;
}

/**
 * Let go of what the exchange gathered on its way once its record is written: the
 * response object (and so the exchange) can outlive the exchange for a while, and
 * through `cut` it would keep the whole response side (the forward closure, its
 * inspector and scrubber) and the request's headers and body streams alive with it,
 * to be copied by every young-generation collection meanwhile.
 */
export function releaseExchange(x: Exchange): void {
  x.dest = null;
  x.up = null;
  x.intake = null;
  x.cut = null;
  x.session = null;
}

let inert: { req: IncomingMessage; res: ServerResponse } | null = null;

/**
 * An intercepted CONNECT, once its tunnel is handed to the HTTP server, keeps its
 * exchange for as long as the tunnel lives (its identity hold may still have to cut it
 * and record the cut), but nothing of it reads the CONNECT's request or response again
 * except the record's method. Its own pair (headers, raw headers with the token, two
 * streams' states) is a sixth of an idle tunnel's heap: it is swapped for one shared,
 * never-used pair whose method is CONNECT.
 */
export function forgetCarrierRequest(x: Exchange): void {
  if (inert === null) {
    const req = new IncomingMessage(new Socket());
    req.method = 'CONNECT';
    inert = { req, res: new ServerResponse(req) };
  }
  const w = x as { req: IncomingMessage; res: ServerResponse };
  w.req = inert.req;
  w.res = inert.res;
}

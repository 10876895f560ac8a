import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { GateServices } from './gate-runtime.js';
import { newExchange } from './pipeline/exchange.js';
import { pipelines } from './pipeline/index.js';

const NO_BYTES = Buffer.alloc(0);

/**
 * The CONNECT listener: `CONNECT host:port`. The identity is checked once and kept by
 * the tunnel. Intercepted by default, so every request inside is decided, inspected
 * and answered with a readable deny body; hosts on `tls.passthrough` are decided by
 * host alone and spliced byte for byte to the vetted address (the CONNECT list of
 * pipeline/index.ts).
 */
export function handleConnect(gate: GateServices, server: Server, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const state = gate.state();
  // An empty head is still a view of the read that carried the CONNECT: the tunnel keeps the exchange, so it must not keep that.
  const x = newExchange(gate, state, req, new ServerResponse(req), { carrier: { socket, head: head.length ? head : NO_BYTES, server }, transport: 'tunnel' });
  socket.on('error', (err) => gate.logger.debug({ err: err.message, decision_id: x.decisionId }, 'client socket error'));
  x.scheme = 'https';
  void pipelines(state.operatorSteps).connect(x);
}

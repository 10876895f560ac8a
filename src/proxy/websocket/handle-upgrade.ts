import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { GateServices } from '../gate-runtime.js';
import { newExchange } from '../pipeline/exchange.js';
import { pipelines } from '../pipeline/index.js';
import { tunnelOf } from '../tunnel-context.js';

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
  ) {
    // Building the trust context parses every CA (tens of ms of one turn): done once the
    // gate has started, not in the first upgrade while other agents wait.
    setTimeout(() => this.trusted(), 0).unref();
  }

  handle(req: IncomingMessage, socket: Socket, head: Buffer): void {
    void handleUpgrade(this.gate, () => this.trusted(), req, socket, head);
  }

  private trusted(): SecureContext {
    return (this.context ??= createSecureContext({ ca: [...this.trust] }));
  }
}

/**
 * The WebSocket listener: the same front half as any request (identify → classify →
 * host checks → decide), refused with the deny contract as a plain HTTP answer before
 * any upgrade, or dialled and relayed frame by frame: the WebSocket list of
 * pipeline/index.ts. One audit record per session, written when it ends.
 */
async function handleUpgrade(gate: GateServices, trust: () => SecureContext, req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
  socket.pause();
  socket.on('error', (err) => gate.logger.debug({ err: err.message }, 'websocket client socket error'));
  const state = gate.state();
  // `ws://` and `wss://` targets in absolute form mean the same as http(s):// here.
  if (req.url && /^wss?:\/\//i.test(req.url)) req.url = req.url.replace(/^ws/i, 'http');
  // The response is never written to: it only satisfies the request context; the socket is answered raw.
  const x = newExchange(gate, state, req, new ServerResponse(req), { tunnel: tunnelOf(socket), carrier: { socket, head, trust } });
  await pipelines(state.operatorSteps).websocket(x);
}

import { messageInspector } from '../websocket/message-inspector.js';
import { openUpstream } from '../websocket/open-upstream.js';
import { relayWebSocket, type RelayResult } from '../websocket/relay.js';
import { switchingProtocolsHead, upstreamUpgradeHeaders } from '../websocket/handshake.js';
import type { Exchange } from './exchange.js';

/**
 * WebSocket: dial the vetted address (or route) with the rewritten, credentialed
 * handshake, answer the agent's upgrade with the upstream's, then relay frame by frame
 * with inspection both ways. Resolves when the session ends (its record follows).
 */
export async function relay(x: Exchange, _next: () => Promise<void>): Promise<void> {
  const { gate, state } = x;
  const carrier = x.carrier!;
  const socket = carrier.socket;
  const up = x.up!;
  const upstream = await openUpstream(x.dest!, {
    path: up.path,
    headers: upstreamUpgradeHeaders(up.headers),
    secureContext: carrier.trust!(),
    connectTimeoutMs: gate.timeouts.upstreamConnectMs,
    responseTimeoutMs: gate.timeouts.idleMs,
  });
  let switching: string;
  try {
    x.session!.check();
    switching = switchingProtocolsHead(carrier.wsKey!, x.req, upstream.res, x.decisionId, up.scrub);
  } catch (err) {
    upstream.socket.destroy();
    throw err;
  }
  if (socket.destroyed) {
    upstream.socket.destroy();
    x.outcome = 'error';
    x.error = 'client_closed';
    return;
  }
  socket.write(switching);
  x.rawStatus = 101;
  socket.setNoDelay(true);
  upstream.socket.setNoDelay(true);
  const ws = state.inspect.websocket;
  await new Promise<void>((resolve) => {
    x.session!.relay = relayWebSocket(
      socket,
      upstream.socket,
      { agent: carrier.head, upstream: upstream.head },
      {
        maxMessageBytes: ws.max_message_bytes,
        binary: ws.binary,
        maxBinaryBytes: ws.max_binary_bytes,
        idleMs: gate.timeouts.idleMs,
        inspector: messageInspector(state, x.decision!.profile, up.scrub),
      },
      (r) => {
        settle(x, r);
        resolve();
      },
    );
  });
}

/** Carry how the session ended onto the exchange its audit record is built from. */
function settle(x: Exchange, r: RelayResult): void {
  x.bytesIn = r.bytesIn;
  x.bytesOut = r.bytesOut;
  x.findings.push(...r.findings);
  if (r.outcome !== 'allow') {
    x.outcome = r.outcome;
    x.reason = r.reason ?? undefined;
  } else {
    x.outcome ??= 'allow';
  }
  if (r.error) x.error = r.error;
}

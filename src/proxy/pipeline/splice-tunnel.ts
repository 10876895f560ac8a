import { dial } from '../../net/dial.js';
import { UpstreamRelay } from '../splice.js';
import type { Exchange } from './exchange.js';

/**
 * A passthrough tunnel: dial the vetted address and splice bytes both ways. Resolves
 * when either side closes (its record follows, with the bytes each way).
 */
export async function spliceTunnel(x: Exchange, _next: () => Promise<void>): Promise<void> {
  const gate = x.gate;
  const client = x.carrier!.socket;
  const head = x.carrier!.head;
  const relay = new UpstreamRelay();
  const upstream = await dial(x.address!, x.port, gate.timeouts.upstreamConnectMs, relay.onread);
  if (client.destroyed) {
    upstream.destroy();
    // Unless the identity's end is what closed it (that reason is already recorded).
    if (x.error === null) {
      x.outcome = 'error';
      x.error = 'client_closed';
    }
    return;
  }
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  x.rawStatus = 200;
  x.outcome ??= 'allow';
  if (head.length) upstream.write(head);
  client.pipe(upstream);
  relay.attach(upstream, client);
  // The HTTP server's idle timeout no longer applies to a spliced socket: set our own.
  for (const s of [client, upstream]) {
    s.setTimeout(gate.timeouts.idleMs, () => {
      x.error = 'idle_timeout';
      s.destroy();
    });
  }
  upstream.on('error', () => client.destroy());
  client.on('error', () => upstream.destroy());
  await new Promise<void>((resolve) => {
    let closed = false;
    const onClose = (): void => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      relay.release();
      x.bytesIn = upstream.bytesWritten;
      x.bytesOut = client.bytesWritten;
      resolve();
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
  });
}

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { GateServices } from './gate-runtime.js';
import { bindTunnel, type TunnelContext } from './tunnel-context.js';

/**
 * Terminate the agent's TLS with a leaf minted for the CONNECT host, then hand the
 * decrypted stream to the HTTP server so each request inside goes through the same
 * pipeline as plain proxy requests. The certificate names the CONNECT target, not the
 * SNI: the agent asked to reach that host, so that is the identity it must verify.
 */
export function intercept(gate: GateServices, server: Server, socket: Socket, head: Buffer, tunnel: TunnelContext): void {
  const log = gate.logger;
  const timer = setTimeout(() => {
    log.warn({ tunnel: tunnel.id, host: tunnel.hostText, code: 'tls_handshake_timeout' }, 'TLS client hello/handshake did not complete in time; closing');
    socket.destroy();
  }, gate.timeouts.tlsHandshakeMs);
  socket.once('close', () => clearTimeout(timer));

  gate.leaves.get(tunnel.leafName ?? tunnel.hostText).then(
    (secureContext) => {
      if (socket.destroyed) return;
      if (head.length) socket.unshift(head);
      const tls = new TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNProtocols: ['http/1.1'],
        requestCert: false,
      });
      bindTunnel(tls, tunnel);
      let secured = false;
      tls.once('secure', () => {
        secured = true;
        clearTimeout(timer);
        server.emit('connection', tls);
      });
      tls.on('error', (err: Error & { code?: string }) => {
        clearTimeout(timer);
        if (secured) {
          // After the handshake the HTTP server owns the socket and reports its errors.
          log.debug({ tunnel: tunnel.id, code: err.code, err: err.message }, 'intercepted connection error');
          return;
        }
        log.warn(
          { tunnel: tunnel.id, host: tunnel.hostText, code: err.code ?? 'tls_error', err: err.message },
          'TLS with the agent failed (does the client trust the Sluice CA? is it speaking TLS?)',
        );
        tls.destroy();
        socket.destroy();
      });
    },
    (err: unknown) => {
      clearTimeout(timer);
      log.error({ tunnel: tunnel.id, host: tunnel.hostText, err }, 'could not mint a leaf certificate');
      socket.destroy();
    },
  );
}

import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { GateServices } from './gate-runtime.js';
import { bindTunnel, type TunnelContext } from './tunnel-context.js';

// One array for every tunnel: Node converts it to the wire form per socket anyway.
const ALPN = ['http/1.1'];

/**
 * Terminate the agent's TLS with a leaf minted for the CONNECT host, then hand the
 * decrypted stream to the HTTP server so each request inside goes through the same
 * pipeline as plain proxy requests. The certificate names the CONNECT target, not the
 * SNI: the agent asked to reach that host, so that is the identity it must verify.
 *
 * The HTTP server gets the socket when the agent's first bytes arrive, not at the end
 * of the handshake: its per-connection state (a parser, a dozen bound handlers, its
 * connection tracking) is a third of an idle intercepted tunnel's heap, and a tunnel
 * that is opened and never used (a client's pool warming up) never needs it. Until
 * then the gate's idle timeout is the socket's own, as the server would have set it.
 */
export function intercept(gate: GateServices, server: Server, socket: Socket, head: Buffer, tunnel: TunnelContext): void {
  const log = gate.logger;
  // The HTTP server's idle timer on this socket has no listener left since the CONNECT
  // (the TLS socket above it gets its own): disarm it rather than keep it for nothing.
  socket.setTimeout(0);
  let timer: NodeJS.Timeout | null = setTimeout(() => {
    log.warn({ tunnel: tunnel.id, host: tunnel.hostText, code: 'tls_handshake_timeout' }, 'TLS client hello/handshake did not complete in time; closing');
    socket.destroy();
  }, gate.timeouts.tlsHandshakeMs);
  // Dropped once cleared: the closures below outlive the handshake, the timer need not.
  const stopTimer = (): void => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    socket.removeListener('close', stopTimer);
  };
  socket.on('close', stopTimer);

  gate.leaves.get(tunnel.leafName ?? tunnel.hostText).then(
    (secureContext) => {
      if (socket.destroyed) return;
      if (head.length) socket.unshift(head);
      const tls = new TLSSocket(socket, {
        isServer: true,
        secureContext,
        ALPNProtocols: ALPN,
        requestCert: false,
      });
      bindTunnel(tls, tunnel);
      let secured = false;
      tls.once('secure', () => {
        secured = true;
        stopTimer();
        // Counted now, as the server's 'connection' would: the raw socket becomes its carrier, and a drain ends it if it stays unused.
        gate.limits?.onConnection(tls, socket);
        handOnFirstBytes(server, tls, gate.timeouts.idleMs);
      });
      tls.on('error', (err: Error & { code?: string }) => {
        stopTimer();
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
      stopTimer();
      log.error({ tunnel: tunnel.id, host: tunnel.hostText, err }, 'could not mint a leaf certificate');
      socket.destroy();
    },
  );
}

// The HTTP server a waiting socket goes to: a property, not a closure per tunnel.
const kServer = Symbol('sluice.interceptServer');
type Waiting = TLSSocket & { [kServer]?: Server | undefined };

/**
 * Give `tls` to the HTTP server with its first decrypted bytes put back in front, so
 * the server's parser reads them first. Closed before that (the agent gave up, the
 * idle timeout, a revocation cutting the raw socket), it never reaches the server.
 * The listeners are shared functions (`this` is the socket): nothing per tunnel.
 */
function handOnFirstBytes(server: Server, tls: Waiting, idleMs: number): void {
  tls[kServer] = server;
  tls.setTimeout(idleMs);
  tls.on('timeout', idleBeforeFirstBytes);
  tls.on('end', endedBeforeFirstBytes);
  tls.on('data', firstBytes);
}

function waitNoMore(tls: Waiting): void {
  tls[kServer] = undefined;
  tls.removeListener('data', firstBytes);
  tls.removeListener('end', endedBeforeFirstBytes);
  tls.removeListener('timeout', idleBeforeFirstBytes);
}

function firstBytes(this: Waiting, chunk: Buffer): void {
  const server = this[kServer]!;
  waitNoMore(this);
  // The server arms its own idle timeout (the same length) on 'connection'.
  this.setTimeout(0);
  // Paused, whatever OpenSSL still decrypts from the same read queues behind this chunk.
  // The hand-off waits for the next turn, out of OpenSSL's read: the server's parser takes
  // the TLS stream over in C++, and nothing decrypted may reach it ahead of what is queued.
  this.pause();
  this.unshift(chunk);
  setImmediate(handOff, this, server);
}

function handOff(tls: Waiting, server: Server): void {
  if (tls.destroyed) return;
  server.emit('connection', tls);
  // What waited in the stream's buffer goes to the parser first (this tick); the socket's next reads after it.
  tls.resume();
}

function endedBeforeFirstBytes(this: Waiting): void {
  waitNoMore(this);
  this.end();
}

function idleBeforeFirstBytes(this: Waiting): void {
  waitNoMore(this);
  this.destroy();
}
